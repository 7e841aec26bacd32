import Foundation

/// A value the trainer logs at every report besides the layers' (L0, sparsity, λ, dead) and the
/// step counts: computed from the parameters, in metrics.jsonl under `key` and, in phases that
/// run `layer`, in the progress line after `progressLabel`. The HSAE: `gate_mean`, the mean gate
/// σ(ℓ) over bottom latents.
public struct LoggedValue: Sendable {
    /// metrics.jsonl's key.
    public let key: String
    /// Before the value in the progress line ("gate").
    public let progressLabel: String
    /// Digits after the point in the progress line.
    public let digits: Int
    /// Computed (and shown) in phases that run this layer; nil: never.
    public let layer: Int?
    /// metrics.jsonl's value in other phases.
    public let idle: Double
    let compute: @Sendable (HierarchicalSAE<Float>) -> Double

    public init(key: String, progressLabel: String, digits: Int, layer: Int?, idle: Double,
                compute: @escaping @Sendable (HierarchicalSAE<Float>) -> Double) {
        self.key = key
        self.progressLabel = progressLabel
        self.digits = digits
        self.layer = layer
        self.idle = idle
        self.compute = compute
    }

    /// Computed in this phase (else `idle` is logged and nothing is shown).
    public func computed(in phase: TrainingPhase) -> Bool { layer.map { phase.runs(layer: $0) } ?? false }

    /// The value logged in `phase`.
    public func value(_ model: HierarchicalSAE<Float>, in phase: TrainingPhase) -> Double {
        computed(in: phase) ? compute(model) : idle
    }

    /// The value itself (a phase that computes it).
    public func value(_ model: HierarchicalSAE<Float>) -> Double { compute(model) }

    /// metrics.jsonl's `gate_mean` of a model without a gate: 1 in every record (the code passes
    /// whole). The key stays, so every model's records have the same keys as before the protocol.
    public static let noGate = LoggedValue(key: "gate_mean", progressLabel: "gate", digits: 3, layer: nil, idle: 1) { _ in 1 }
}

extension SAEArchitecture {
    /// `LoggedValue.noGate` by default (SAEArchitecture.trainingLog).
    public var trainingLog: [LoggedValue] { [.noGate] }
}

extension HierarchicalArchitecture {
    /// `gate_mean`: mean σ(ℓ) over bottom latents in phases that run the top layer (0.5 for a fixed
    /// gate), 1 in the others.
    public var trainingLog: [LoggedValue] {
        [LoggedValue(key: "gate_mean", progressLabel: "gate", digits: 3, layer: 1, idle: 1) { model in
            guard model.config.gate == .learned else { return 0.5 }
            let l = model.view(.gateLogits)
            return (0..<l.count).reduce(0.0) { $0 + 1 / (1 + Foundation.exp(-Double(l[$1]))) } / Double(l.count)
        }]
    }
}
