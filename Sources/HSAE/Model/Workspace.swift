/// Every intermediate of one microbatch's forward and backward pass, allocated once
/// (llm.c's ActivationTensors). The storage comes from the OS zero-filled and is committed page
/// by page as it is first written, so buffers a pass never touches (a phase-1 pass with sparse
/// kernels uses x, xc, the bottom layer's z, xhat, dxhat and dxc) cost no memory. Legend: b rows,
/// d input width. The buffers, and their order in the storage, are the model type's
/// (`SAEArchitecture.workspaceBuffers`): every model has the five b × d ones and each layer's
/// three; a type adds its own (`extra`, the HSAE's q, Ẑ1, M, …: HierarchicalArchitecture+Workspace.swift).
public final class Workspace<T: BLASScalar> {
    public let b: Int
    let storage: TensorBuffer<T>
    public let x: View<T>       // b × d   input (scaled)
    let xc: View<T>             // b × d   x − b_dec
    public let xhat: View<T>    // b × d   the reconstruction
    let dxhat: View<T>          // b × d   ∂L/∂X̂
    let dxc: View<T>            // b × d   ∂L/∂Xc
    /// Per layer (the model's layers, bottom first): its pre-activations, then (in place) its code;
    /// the gradients; the code as sparse rows.
    public let layers: [LayerBuffers<T>]
    /// The model type's own buffers, in the order it declared them (`WorkspaceBuffer.extra`).
    let extra: [View<T>]
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

    /// The bottom layer's buffers, which every model has (the shared bottom-layer kernels read them).
    public var z1: View<T> { layers[0].z }
    var dz1: View<T> { layers[0].dz }
    var dp1: View<T> { layers[0].dp }
    public var code1: SparseCode<T> { layers[0].code }

    public init(config: ModelConfig, rows b: Int) {
        let architecture = config.architecture
        let d = config.d, widths = architecture.layers.map(\.latents)
        let specs = architecture.workspaceBuffers
        let shapes = specs.map { spec -> (Int, Int) in
            switch spec {
            case .input, .centred, .reconstruction, .dReconstruction, .dCentred: return (b, d)
            case .code(let l), .dCode(let l), .dPre(let l): return (b, widths[l])
            case .extra(_, let cols, let perRow): return (perRow ? b : 1, cols)
            }
        }
        storage = TensorBuffer(zeroedLazily: shapes.reduce(0) { $0 + $1.0 * $1.1 })
        var offset = 0
        var views: [WorkspaceBuffer: View<T>] = [:], extra: [View<T>] = []
        for (spec, (r, c)) in zip(specs, shapes) {
            let view = storage.view(offset: offset, rows: r, cols: c)
            if views[spec] != nil { fatalError("\(type(of: architecture).name) declares workspace buffer \(spec) twice") }
            views[spec] = view
            if case .extra = spec { extra.append(view) }
            offset += r * c
        }
        func take(_ spec: WorkspaceBuffer) -> View<T> {
            guard let view = views[spec] else { fatalError("\(type(of: architecture).name) declares no workspace buffer \(spec)") }
            return view
        }
        self.b = b
        (x, xc, xhat, dxhat, dxc) = (take(.input), take(.centred), take(.reconstruction), take(.dReconstruction), take(.dCentred))
        layers = widths.indices.map { l in
            LayerBuffers(z: take(.code(l)), dz: take(.dCode(l)), dp: take(.dPre(l)), code: SparseCode(latents: widths[l]))
        }
        self.extra = extra
        codeHat = SparseCode(latents: config.m1)
        sparseMix = SparseMix(latents: config.m1)
        auxCode = SparseCode(latents: config.m1)
    }
}

/// One layer's buffers in a Workspace.
public struct LayerBuffers<T: BLASScalar> {
    /// b × latents: the layer's pre-activations, then (in place, by its activation) its code.
    public let z: View<T>
    /// b × latents: ∂L/∂Z.
    let dz: View<T>
    /// b × latents: ∂L/∂P, the pre-activations' gradient.
    let dp: View<T>
    /// The code as sparse rows.
    public let code: SparseCode<T>
}

/// A buffer of the Workspace, as a model type lists them in allocation order.
public enum WorkspaceBuffer: Hashable, Sendable {
    /// b × d: x, x − b_dec, X̂, ∂L/∂X̂, ∂L/∂Xc.
    case input, centred, reconstruction, dReconstruction, dCentred
    /// b × layer `l`'s latents: its pre-activations then code, ∂L/∂Z, ∂L/∂P.
    case code(Int), dCode(Int), dPre(Int)
    /// The type's own: `cols` wide, b rows (`perRow`) or one; Workspace.extra in declaration order.
    case extra(String, cols: Int, perRow: Bool)

    /// A single-layer model's buffers: the five b × d ones and the layer's three.
    public static let singleLayer: [WorkspaceBuffer] = [.input, .centred, .code(0), .reconstruction, .dReconstruction, .dCentred,
                                                        .dCode(0), .dPre(0)]
}
