import Foundation

/// Learning rate within a phase (DESIGN §4): linear warm-up over the first `warmup` fraction
/// of its steps, constant, then linear decay to 0 over the last `decay` fraction.
///
///     lr(s) = base · min(1, (s+1)/W) · min(1, (S − s)/D),  W = ⌈warmup·S⌉, D = ⌈decay·S⌉
public struct LearningRateSchedule: Codable, Equatable, Sendable {
    public var base: Double
    public var warmup: Double
    public var decay: Double

    public init(base: Double, warmup: Double = 0.01, decay: Double = 0.2) {
        self.base = base
        self.warmup = warmup
        self.decay = decay
    }

    public func rate(step s: Int, of total: Int) -> Double {
        precondition(total > 0 && s >= 0 && s < total, "lr step \(s) of \(total)")
        let w = max(1, Int((warmup * Double(total)).rounded(.up)))
        let d = max(1, Int((decay * Double(total)).rounded(.up)))
        let up = min(1, Double(s + 1) / Double(w))
        let down = min(1, Double(total - s) / Double(d))
        return base * up * down
    }
}

/// The L1 coefficient controller of DESIGN §3, for relu layers:
///
///     λ ← λ · exp(κ · clamp(ln(ρ̂/ρ*), −1, 1)),   ln := −1 when ρ̂ = 0
///
/// ρ̂ is the layer's density over the global batch (agreed by allreduce), so every rank
/// computes the same λ.
public enum SparsityController {
    public static func update(lambda: Double, density: Double, target: Double, gain kappa: Double) -> Double {
        let error = density > 0 ? max(-1, min(1, Foundation.log(density / target))) : -1
        return lambda * Foundation.exp(kappa * error)
    }
}
