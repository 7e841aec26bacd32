/// A model type (flat, Matryoshka, the HSAE of DESIGN v1; later the forest HSAE): a value built from
/// the resolved ModelConfig that declares what the model is — its parameter groups, layers, edges,
/// reconstruction paths, step counts and training phases (docs/MODEL-PROTOCOL.md §1.1). The
/// declarations are plain data, so the trainer, checkpoints, eval, browser and export read them
/// without knowing the model. The math is the type's too: HierarchicalSAE's `forward`,
/// `dataTerms`, `initialise` and constraints call its implementations, which compose the term
/// kernels of Model/ (Forward.swift, Backward.swift, …).
public protocol SAEArchitecture: Sendable {
    /// Registry name: `hsae train --model NAME`, config.json's "modelName".
    static var name: String { get }
    /// One line for --help.
    static var summary: String { get }
    /// The phases a run of this model trains in (DESIGN §4 for the HSAE; one for single-layer models).
    static func phases(_ train: TrainConfig) -> [TrainingPhase]

    /// The configuration `hsae train --model NAME` trains, for data of width d; nil: the first three
    /// types, which ModelOptions.modelConfig builds from its fields. A new type sets `model` to its name.
    static func modelConfig(_ options: ModelOptions, d: Int) -> ModelConfig?

    /// The model this configuration describes, or nil when it is another type's (ModelRegistry).
    init?(config: ModelConfig)
    var config: ModelConfig { get }

    /// Parameter groups in file order. TensorID.group indexes them.
    var groups: [ParameterGroup] { get }
    /// Layers that have a code, bottom first. Their index keys every per-layer array.
    var layers: [ModelLayer] { get }
    /// Parent → child relations between layers (eval's hierarchy section, the browser's tree).
    var edges: [LayerEdge] { get }
    /// For edge `k` without a weight matrix: each parent latent's children and the weight each
    /// enters it with (the forest: a unit's children, weighted by ⟨d_i, u_t⟩). Eval scores these as
    /// the learned edges and the browser lists them as claimed. nil (the default): the edge's
    /// `weights` claim the children.
    func assignedChildren(_ model: HierarchicalSAE<Float>, edge k: Int) -> [[LatentValue]]?
    /// Named reconstructions of x, in report order. The first is "full".
    var paths: [ReconstructionPath] { get }
    /// Counts a step sums besides the layers' (the HSAE: Ẑ1's positive entries → density_zhat).
    var stepCounts: [StepCount] { get }

    /// model.safetensors' metadata about the model (ModelFile adds format, version, d, input_scale,
    /// model_config); `thresholds`: the layers' inference thresholds, read back by `thresholdKey`.
    func fileMetadata(thresholds: [Float]) -> [String: String]
    /// What `hsae export` writes (ExportPlan.swift), or why this model cannot be exported.
    func exportPlan(_ model: HierarchicalSAE<Float>) throws -> ExportPlan
    /// Values the trainer logs besides the layers' (metrics.jsonl, the progress line; Architecture+Logged.swift).
    /// Default: `gate_mean` 1, the key every model's records have carried.
    var trainingLog: [LoggedValue] { get }
    /// Facts of this model type in report.json's `model` besides the per-layer ones (default: none).
    var reportFacts: [String: String] { get }
    /// The workspace's buffers in allocation order (Workspace.swift). Default: a single layer's.
    var workspaceBuffers: [WorkspaceBuffer] { get }

    // The math, generic in the scalar (Float in training, Double in the finite-difference checks).
    // Each implementation is marked @_specialize(where T == Float), or calls only functions that
    // are (the defaults): a call through the existential would otherwise run the generic body.
    /// DESIGN §4's initialisation of every parameter; `mean`: a data sample's mean, already scaled.
    func initialise<T: BLASScalar>(_ model: HierarchicalSAE<T>, seed: UInt64, mean: [T])
    /// The forward pass on `ws.x` (already scaled by c), filling the workspace.
    func forward<T: BLASScalar>(_ model: HierarchicalSAE<T>, _ ws: Workspace<T>, _ options: ForwardOptions) -> BatchThresholds
    /// One microbatch's data terms after `forward`, and their gradients when `request.grads` is given.
    func dataTerms<T: BLASScalar>(_ model: HierarchicalSAE<T>, _ ws: Workspace<T>, _ request: DataTermRequest<T>) -> LossParts
    /// The constraints that act entry by entry (the HSAE's top.W_dec ≥ 0) on the groups a step
    /// `updated`, within `ranges` of the parameter buffer (nil: all): each rank projects its slice.
    func projectEntries<T: BLASScalar>(_ model: HierarchicalSAE<T>, updated: GroupSet, within ranges: [Range<Int>]?)
    /// The constraints that act on whole rows, on every rank after the gather, every step. Default:
    /// unit bottom decoder rows where the bottom activation asks for them (HierarchicalSAE.renormaliseBottomDecoder).
    func renormaliseRows<T: BLASScalar>(_ model: HierarchicalSAE<T>)
    /// The values of `stepCounts` counted by the last `forward` (0 where it did not run their layer).
    func stepCounts<T: BLASScalar>(_ ws: Workspace<T>) -> [Double]
}

extension SAEArchitecture {
    public var name: String { Self.name }

    public static func modelConfig(_ options: ModelOptions, d: Int) -> ModelConfig? { nil }

    public var workspaceBuffers: [WorkspaceBuffer] { WorkspaceBuffer.singleLayer }

    public func assignedChildren(_ model: HierarchicalSAE<Float>, edge k: Int) -> [[LatentValue]]? { nil }

    public func renormaliseRows<T: BLASScalar>(_ model: HierarchicalSAE<T>) { model.renormaliseBottomDecoder() }

    /// The path named `name` (a precondition: the caller knows the model's paths).
    public func path(_ name: String) -> ReconstructionPath {
        guard let path = paths.first(where: { $0.name == name }) else {
            preconditionFailure("\(Self.name) has no reconstruction path '\(name)' (\(paths.map(\.name)))")
        }
        return path
    }
}

extension ParameterGroup {
    /// A layer's encoder and decoder: W_enc (inputs × latents; held latents × inputs when
    /// `transposedEncoder`), b_enc (latents), W_dec (latents × inputs), b_dec (inputs).
    static func layer(_ name: String, inputs: Int, latents: Int, transposedEncoder: Bool) -> ParameterGroup {
        let encoder = transposedEncoder ? TensorSpec(.wEnc, rows: latents, cols: inputs, transposedInMemory: true)
                                        : TensorSpec(.wEnc, rows: inputs, cols: latents)
        return ParameterGroup(name: name, tensors: [encoder, TensorSpec(.bEnc, rows: 1, cols: latents),
                                                    TensorSpec(.wDec, rows: latents, cols: inputs), TensorSpec(.bDec, rows: 1, cols: inputs)])
    }
}

extension ModelLayer {
    /// The bottom layer every existing model has: it reads x, group 0.
    static func bottom(_ config: ModelConfig) -> ModelLayer {
        ModelLayer(index: 0, name: "bottom", spec: config.bottom, latentOffset: 0, l1Term: .l1Bottom, encoderBias: .bottomBEnc,
                   progressLabel: "")
    }
}

/// An edge of the hierarchy: `parent`'s latents reconstruct `child`'s code through `weights`
/// (the HSAE: top → bottom, top.W_dec, m2 × m1).
public struct LayerEdge: Equatable, Sendable {
    public let parent: Int
    public let child: Int
    public let weights: TensorID?
    public init(parent: Int, child: Int, weights: TensorID?) {
        self.parent = parent
        self.child = child
        self.weights = weights
    }
}

/// A named reconstruction of x: report.json's reconstruction[].name and compression[].name.
public struct ReconstructionPath: Equatable, Sendable {
    public let name: String
    /// Where the forward pass takes the gate from (the HSAE's skip_only: 1, top_only: 0).
    public let gate: GateSource
    /// Matryoshka: latents 0 ..< prefix of the bottom layer (a group boundary); nil: all.
    public let prefix: Int?
    /// The layers whose L0 the path spends.
    public let codes: [Int]
    /// Listed in report.json (the Matryoshka prefixes are not, until the report's schema changes).
    public let reported: Bool
    public init(name: String, gate: GateSource = .model, prefix: Int? = nil, codes: [Int], reported: Bool = true) {
        self.name = name
        self.gate = gate
        self.prefix = prefix
        self.codes = codes
        self.reported = reported
    }
}

/// A count a training step sums over the global batch besides each layer's (StepStats.modelCounts):
/// logged as `key` = count / (tokens × `perToken`) in phases that run `layer`.
public struct StepCount: Sendable {
    /// metrics.jsonl's key.
    public let key: String
    /// The layer whose phases log it.
    public let layer: Int
    /// The count's entries per token (its density's denominator).
    public let perToken: Int
}

/// Every model type, by name.
public enum ModelRegistry {
    /// Every model type: the one line a new model adds. Their `init?(config:)` accept disjoint
    /// configurations (ModelRegistryTests).
    public static let all: [any SAEArchitecture.Type] = [FlatArchitecture.self, MatryoshkaArchitecture.self, HierarchicalArchitecture.self,
                                                        ForestArchitecture.self]

    /// `--model`'s values, as `--help` lists them.
    public static var names: [String] { all.map { $0.name } }

    /// The types whose ModelConfig carries no name (their fields say which they are): `--model`
    /// selects them through ModelOptions' fields (`baseline`, `matryoshkaGroups`), not `modelType`.
    public static let unnamed: Set<String> = [FlatArchitecture.name, MatryoshkaArchitecture.name, HierarchicalArchitecture.name]

    public static func type(named name: String) -> (any SAEArchitecture.Type)? { all.first { $0.name == name } }

    /// The model a configuration describes (read from a file or resolved from the options).
    public static func architecture(for config: ModelConfig) -> any SAEArchitecture {
        for type in all { if let model = type.init(config: config) { return model } }
        preconditionFailure("no model type accepts this configuration (\(names))")
    }
}

extension ModelConfig {
    /// The model type this configuration describes, with its declarations.
    public var architecture: any SAEArchitecture { ModelRegistry.architecture(for: self) }
}
