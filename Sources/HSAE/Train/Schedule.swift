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
///
/// **Anti-windup** (`--controller-hold`, off by default; docs/DECISIONS.md). The step above is a pure integrator: if the
/// code answers a larger λ by shrinking its activations instead of switching latents off, ρ̂ does
/// not move and λ climbs for ever (seen in phase 3 on B-exclusive data, issue 11). The controller
/// therefore judges each move of λ: once ln λ has moved by `probe` from the anchor where the move
/// began, the density (an EMA of ln ρ̂, `smoothing`) must have moved the other way by at least
/// `minimumAnswer` × that much. If it has, the anchor moves on. If it has not, the move is undone
/// (λ back to the anchor) and further moves in that direction are held. The hold ends when the
/// error changes sign, when the density answers after all (moves `minimumAnswer` × `probe` towards
/// the target from where it was held), when it drifts `drift` further away by itself (then the
/// judgement was stale: something other than λ moves the code), or after `holdLimit` steps. A move
/// is judged no sooner than `settle` steps after it began (λ waits at the probe's end meanwhile), and
/// not at all in the first `grace` steps of a phase, when the change of objective moves the density
/// by itself. On a code that has stopped answering, λ thus stays within one probe (×1.28) of where
/// it stopped, instead of climbing.
/// With `antiWindup` false it is DESIGN's integrator exactly.
public struct SparsityController: Codable, Equatable, Sendable {
    public private(set) var lambda: Double
    public var antiWindup: Bool
    /// ln λ and the smoothed ln ρ̂ where the current move began (nil before the first step).
    var anchorLogLambda: Double?
    var anchorLogDensity: Double?
    var smoothedLogDensity: Double?
    /// +1: raising λ did not thin the code, so raising is held; −1: lowering is held; 0: free.
    public private(set) var held = 0
    /// Smoothed ln ρ̂ when the hold began.
    var heldLogDensity: Double?
    /// Updates seen (this phase), since the anchor was set, and since the hold began.
    var steps = 0
    var sinceAnchor = 0
    var heldSteps = 0

    /// How far ln λ moves before the density's answer is judged (×1.28).
    public static let probe = 0.25
    /// The smallest answer accepted: |Δ ln ρ̂| ≥ this × |Δ ln λ|, in the opposite direction.
    public static let minimumAnswer = 0.1
    /// EMA weight of ln ρ̂ (a batch's density is noisy; ~20 steps).
    public static let smoothing = 0.05
    /// A held density that drifts this far (in ln) away from the target releases the hold.
    public static let drift = 0.1
    /// Steps at a phase start during which the controller is DESIGN's integrator (moves are not judged).
    public static let grace = 300
    /// A move is judged no sooner than this many steps after it began (the code answers with a lag);
    /// until then λ waits at the end of the probe.
    public static let settle = 100
    /// A hold ends after this many steps at the latest, and the next move is judged afresh.
    public static let holdLimit = 500

    public init(lambda: Double, antiWindup: Bool = true) {
        self.lambda = lambda
        self.antiWindup = antiWindup
    }

    /// DESIGN §3's step: λ · exp(κ · clamp(ln(ρ̂/ρ*), −1, 1)).
    public static func update(lambda: Double, density: Double, target: Double, gain kappa: Double) -> Double {
        lambda * Foundation.exp(kappa * error(density: density, target: target))
    }

    static func error(density: Double, target: Double) -> Double {
        density > 0 ? max(-1, min(1, Foundation.log(density / target))) : -1
    }

    /// One step of the controller after a training step that saw density ρ̂.
    public mutating func update(density: Double, target: Double, gain kappa: Double) {
        guard antiWindup else {
            lambda = Self.update(lambda: lambda, density: density, target: target, gain: kappa)
            return
        }
        let e = Self.error(density: density, target: target)
        // ρ̂ = 0 is taken as e⁻¹ of the target, as the error is.
        let logRho = density > 0 ? Foundation.log(density) : Foundation.log(target) - 1
        let smoothed = smoothedLogDensity.map { $0 + Self.smoothing * (logRho - $0) } ?? logRho
        smoothedLogDensity = smoothed
        steps += 1
        if anchorLogLambda == nil || steps <= Self.grace { anchor(smoothed) }
        let sign = e > 0 ? 1 : e < 0 ? -1 : 0
        if held != 0 {
            // Free again when the error turned, the density answers after all, drifted away by itself, or
            // the hold has lasted `holdLimit` steps.
            heldSteps += 1
            let change = Double(held) * (smoothed - heldLogDensity!)
            if sign != held || change <= -Self.minimumAnswer * Self.probe || change >= Self.drift || heldSteps >= Self.holdLimit {
                held = 0
                anchor(smoothed)
            } else {
                return
            }
        }
        guard lambda > 0 else { return }
        lambda *= Foundation.exp(kappa * e)
        guard steps > Self.grace else { return }
        sinceAnchor += 1
        let moved = Foundation.log(lambda) - anchorLogLambda!
        guard abs(moved) >= Self.probe else { return }
        let direction: Double = moved > 0 ? 1 : -1
        lambda = Foundation.exp(anchorLogLambda! + direction * Self.probe)
        guard sinceAnchor >= Self.settle else { return }
        if direction * (smoothed - anchorLogDensity!) <= -Self.minimumAnswer * Self.probe {
            anchor(smoothed)
        } else {
            lambda = Foundation.exp(anchorLogLambda!)
            held = Int(direction)
            heldLogDensity = smoothed
            heldSteps = 0
        }
    }

    private mutating func anchor(_ logDensity: Double) {
        anchorLogLambda = Foundation.log(max(lambda, .leastNormalMagnitude))
        anchorLogDensity = logDensity
        sinceAnchor = 0
    }
}
