/// Every intermediate of one microbatch's forward and backward pass (llm.c's ActivationTensors).
/// Each buffer is allocated on first use and kept: a phase-1 pass with sparse kernels touches
/// only x, xc, z1, xhat, dxhat and dxc, so the b × m1 buffers of the top path and of the dense
/// backward cost nothing until a pass needs them. Legend: b rows, d input width, m1/m2 latents.
public final class Workspace<T: BLASScalar> {
    public let b: Int
    let d: Int, m1: Int, m2: Int
    private var buffers: [TensorBuffer<T>] = []

    public private(set) lazy var x = make(b, d)         // input (scaled)
    private(set) lazy var xc = make(b, d)               // x − b_dec
    public private(set) lazy var z1 = make(b, m1)       // bottom pre-activations, then (in place) the bottom code
    public private(set) lazy var z2 = make(b, m2)       // top pre-activations, then the top code
    public private(set) lazy var q = make(b, m1)        // Z2 W_dec² + b_dec²
    public private(set) lazy var zhat = make(b, m1)     // ReLU(q): top's reconstruction of the bottom code
    public private(set) lazy var mix = make(b, m1)      // M = g z1 + (1 − g) ẑ1
    public private(set) lazy var xhat = make(b, d)
    private(set) lazy var r = make(b, m1)               // z1 − ẑ1
    private(set) lazy var t = make(b, d)                // r W_dec¹ (top path)
    private(set) lazy var dxhat = make(b, d)
    private(set) lazy var dt = make(b, d)
    private(set) lazy var dxc = make(b, d)
    private(set) lazy var dm = make(b, m1)
    private(set) lazy var dz1 = make(b, m1)
    private(set) lazy var dzhat = make(b, m1)
    private(set) lazy var dp1 = make(b, m1)
    private(set) lazy var dz2 = make(b, m2)
    private(set) lazy var dp2 = make(b, m2)
    private(set) lazy var gate = make(1, m1)            // g used in this pass
    public let code1: SparseCode<T>                     // z1 as sparse rows
    public let code2: SparseCode<T>                     // z2 as sparse rows
    var scratch = TopKScratch<T>()                      // selection scratch for top-k
    var mi: AnyObject?                                  // MutualInformationTerm scratch, made on first use

    public init(config: ModelConfig, rows b: Int) {
        self.b = b
        (d, m1, m2) = (config.d, config.m1, config.m2)
        code1 = SparseCode(latents: m1)
        code2 = SparseCode(latents: m2)
    }

    private func make(_ rows: Int, _ cols: Int) -> View<T> {
        let buffer = TensorBuffer<T>(count: rows * cols)
        buffers.append(buffer)
        return buffer.view(rows: rows, cols: cols)
    }
}
