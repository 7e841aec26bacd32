/// The training-time ablations of DESIGN §7.6 as data: each variant is the sweep's base
/// configuration with one change, so a sweep is a loop over values, not a set of branches.
public struct TrainingVariant: Sendable {
    /// "full", "no_orthogonality", "no_mi", "fixed_gate", "no_phases", "baseline".
    public let name: String
    /// What the variant changes, for tables.
    public let change: String
    /// The model type it trains (a ModelRegistry name): the HSAE's, or the comparator's that the
    /// sweep evaluates the others against.
    public let model: String
    let apply: @Sendable (inout TrainConfig) -> Void

    init(name: String, change: String, model: String = HierarchicalArchitecture.name, apply: @escaping @Sendable (inout TrainConfig) -> Void) {
        self.name = name
        self.change = change
        self.model = model
        self.apply = apply
    }

    /// The variant's configuration: `base` with the variant's one change.
    public func config(from base: TrainConfig) -> TrainConfig {
        var c = base
        apply(&c)
        return c
    }

    /// The comparator: the variant that trains another model type than the HSAE (the flat baseline).
    public var isComparator: Bool { model != HierarchicalArchitecture.name }

    public static let full = TrainingVariant(name: "full", change: "as configured") { _ in }
    public static let noOrthogonality = TrainingVariant(name: "no_orthogonality", change: "--disable orth") { $0.disable("orth") }
    public static let noMI = TrainingVariant(name: "no_mi", change: "--disable mi") { $0.disable("mi") }
    public static let fixedGate = TrainingVariant(name: "fixed_gate", change: "--gate fixed (g ≡ 0.5)") { $0.gate = .fixed }
    public static let noPhases = TrainingVariant(name: "no_phases", change: "--end-to-end (all terms from the start)") { $0.phased = false }
    public static let baseline = TrainingVariant(name: "baseline", change: "--baseline (one layer, m1 + m2 latents)",
                                                   model: FlatArchitecture.name) { $0.model.baseline = true }

    /// The five HSAE variants of the sweep, then the baseline.
    public static let sweep: [TrainingVariant] = [.full, .noOrthogonality, .noMI, .fixedGate, .noPhases, .baseline]

    public static func named(_ name: String) -> TrainingVariant? { sweep.first { $0.name == name } }
}

extension TrainConfig {
    mutating func disable(_ term: String) {
        disabledTerms = Array(Set(disabledTerms + [term])).sorted()
    }
}
