/// Every intermediate of one microbatch's forward and backward pass, allocated once
/// (llm.c's ActivationTensors). The storage comes from the OS zero-filled and is committed page
/// by page as it is first written, so buffers a pass never touches (a phase-1 pass with sparse
/// kernels uses x, xc, z1, xhat, dxhat and dxc) cost no memory. Legend: b rows, d input width,
/// m1/m2 latents.
public final class Workspace<T: BLASScalar> {
    public let b: Int
    let storage: TensorBuffer<T>
    public let x: View<T>       // b × d   input (scaled)
    let xc: View<T>             // b × d   x − b_dec
    public let z1: View<T>      // b × m1  bottom pre-activations, then (in place) the bottom code
    public let z2: View<T>      // b × m2  top pre-activations, then the top code
    public let q: View<T>       // b × m1  Z2 W_dec² + b_dec²
    public let zhat: View<T>    // b × m1  ReLU(q): top's reconstruction of the bottom code
    public let mix: View<T>     // b × m1  M = g z1 + (1 − g) ẑ1
    public let xhat: View<T>    // b × d
    let r: View<T>              // b × m1  z1 − ẑ1
    let t: View<T>              // b × d   r W_dec¹ (top path)
    let dxhat: View<T>          // b × d
    let dt: View<T>             // b × d
    let dxc: View<T>            // b × d
    let dm: View<T>             // b × m1
    let dz1: View<T>            // b × m1
    let dzhat: View<T>          // b × m1
    let dp1: View<T>            // b × m1
    let dz2: View<T>            // b × m2
    let dp2: View<T>            // b × m2
    let gate: View<T>           // 1 × m1  g used in this pass
    let p1: View<T>             // b × m1  P1 kept for a top encoder on pre-activations (TopInput.pre)
    public let code1: SparseCode<T>   // z1 as sparse rows
    public let code2: SparseCode<T>   // z2 as sparse rows
    public let codeHat: SparseCode<T> // ẑ1 as sparse rows (a k-sparse top reconstruction, TopDecodeK.swift)
    /// M and R as sparse rows over the union of Z1's and Ẑ1's entries (TopDecodeK.swift), when `forward` took that path.
    public let sparseMix: SparseMix<T>
    @exclusivity(unchecked) var scratch = TopKScratch<T>()    // selection scratch for top-k
    @exclusivity(unchecked) var mi: AnyObject?          // MutualInformationTerm scratch, made on first use
    /// Dead bottom latents (increasing index) whose pre-activations `forward` captures for the AuxK
    /// term (AuxK.swift); empty: no capture, no term. Set by the trainer once per step.
    @exclusivity(unchecked) public var deadLatents: [Int32] = []
    /// w·‖X̂ − X‖² of the full reconstruction in the last `dataTerms`: the reconstruction term
    /// itself, except for a Matryoshka layer (its term is the mean over prefixes; this is the last,
    /// whole prefix), so that the logged FVU is an FVU for every model.
    @exclusivity(unchecked) public var reconstructionError: Double = 0
    /// The number of Ẑ1's positive entries, counted by the last `forward` as it formed Ẑ1 (0 when
    /// it did not run the top layer): a logged statistic.
    @exclusivity(unchecked) public var zhatPositive = 0
    @exclusivity(unchecked) var deadPre: [T] = []                 // b × |deadLatents|: their pre-activations P1 + b_enc¹
    let auxCode: SparseCode<T>            // the AuxK code (k_aux of the dead latents per row)

    public init(config: ModelConfig, rows b: Int) {
        let (d, m1, m2) = (config.d, config.m1, config.m2)
        let shapes: [(Int, Int)] = [(b, d), (b, d), (b, m1), (b, m2), (b, m1), (b, m1), (b, m1),
                                    (b, d), (b, m1), (b, d), (b, d), (b, d), (b, d), (b, m1), (b, m1), (b, m1),
                                    (b, m1), (b, m2), (b, m2), (1, m1), (b, m1)]
        storage = TensorBuffer(zeroedLazily: shapes.reduce(0) { $0 + $1.0 * $1.1 })
        var offset = 0
        var views: [View<T>] = []
        for (r, c) in shapes {
            views.append(storage.view(offset: offset, rows: r, cols: c))
            offset += r * c
        }
        self.b = b
        (x, xc, z1, z2, q, zhat, mix) = (views[0], views[1], views[2], views[3], views[4], views[5], views[6])
        (xhat, r, t, dxhat, dt, dxc, dm, dz1, dzhat) = (views[7], views[8], views[9], views[10], views[11], views[12], views[13], views[14], views[15])
        (dp1, dz2, dp2, gate, p1) = (views[16], views[17], views[18], views[19], views[20])
        code1 = SparseCode(latents: m1)
        code2 = SparseCode(latents: m2)
        codeHat = SparseCode(latents: m1)
        sparseMix = SparseMix(latents: m1)
        auxCode = SparseCode(latents: m1)
    }
}
