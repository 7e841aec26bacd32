import Dist
import Foundation

/// How gradients are summed across microbatches and ranks (DESIGN §5).
public enum ReductionMode: String, Codable, Sendable, CaseIterable {
    /// 64-bit fixed point per microbatch, integer sums: bit-identical for every W dividing n.
    case exact
    /// float32 sums as MPI gives them: equal across W only to rounding.
    case fast
}

/// What one step reduces besides gradients, summed over the global batch.
public struct StepStats: Sendable {
    public var losses = LossParts()
    public var nonZero = [Double](repeating: 0, count: 3)   // Σ nnz(Z1), Σ nnz(Z2), Σ nnz(Ẑ1)
    public var thresholds = [Double](repeating: 0, count: 2) // Σ over microbatches of batchtopk thresholds
    /// Σ over microbatches of w·‖X̂ − X‖² for the model's full reconstruction: the training FVU's
    /// numerator. It is losses[.reconstruction] except for a Matryoshka layer, whose loss is the
    /// mean over nested prefixes (Workspace.reconstructionError).
    public var reconstruction: Double = 0
    public var fires: [Double]                               // per latent (m1 then m2): firing count
    public var failed: Double = 0                             // ranks that hit an error this step
    public var saturated: Double = 0                          // fixed-point values clamped (exact mode)

    public init(latents: Int) { fires = [Double](repeating: 0, count: latents) }

    static let realCount = LossParts.count + 3
    var reals: [Double] { losses.values + thresholds + [reconstruction] }
    var counts: [Double] { nonZero + fires + [failed, saturated] }

    mutating func set(reals r: [Double], counts c: [Double]) {
        losses = LossParts(values: Array(r[0..<LossParts.count]))
        thresholds = Array(r[LossParts.count ..< LossParts.count + 2])
        reconstruction = r[LossParts.count + 2]
        nonZero = Array(c[0..<3])
        fires = Array(c[3 ..< 3 + fires.count])
        failed = c[3 + fires.count]
        saturated = c[4 + fires.count]
    }
}

/// Accumulates this rank's microbatches and reduces them with one allreduce per step.
///
/// Buffer layout (one collective): [gradients of the trainable ranges | real-valued stats |
/// integer counts]. In exact mode all three are Int64: gradients as round(g·2^e_t) with a
/// per-tensor exponent agreed beforehand (`exponents`, from the previous step's reduced
/// gradient, identical on every rank), reals as round(v·2^30), counts as integers.
public final class GradientReducer {
    public let mode: ReductionMode
    let ranges: [Range<Int>]        // trainable ranges in the parameter buffer
    let gradCount: Int
    let statsLatents: Int
    var exact: [Int64]
    var fast: [Float]
    /// e_t per trainable range: gradient values are carried as round(g · 2^e_t).
    public var exponents: [Int]
    /// Real-valued stats (losses, thresholds, the reconstruction error) are carried as round(v · 2^30): 2^-30 resolution,
    /// and room for |v| up to 2^(50−30) summed over the microbatches.
    static let realExponent = 30
    /// A gradient may grow this many binary orders of magnitude over the previous step's
    /// maximum before its fixed-point value saturates (and is counted in `saturated`).
    public static let headroomBits = 16
    /// e_t for a range whose gradient was all zero (or not finite) last step: values up to 2^(50−40).
    static let initialExponent = 40
    let limit: Int64
    /// Wall time of the last step's collective (for `hsae bench`).
    public private(set) var lastAllreduceSeconds = 0.0

    public init(mode: ReductionMode, ranges: [Range<Int>], latents: Int, microbatchesPerBatch n: Int) {
        self.mode = mode
        self.ranges = ranges
        gradCount = ranges.reduce(0) { $0 + $1.count }
        statsLatents = latents
        let total = gradCount + StepStats.realCount + 3 + latents + 2
        exact = mode == .exact ? [Int64](repeating: 0, count: total) : []
        fast = mode == .fast ? [Float](repeating: 0, count: total) : []
        exponents = [Int](repeating: 0, count: ranges.count)
        // n microbatch values of magnitude ≤ limit sum without overflow; ≤ 2^50 so that the
        // conversion can use the exact float trick of `FixedPoint.accumulate`.
        limit = min(Int64(1) << 50, Int64.max / Int64(max(1, n)) / 2)
    }

    public func beginStep() {
        if mode == .exact { exact.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        else { fast.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
    }

    /// Sets e_t so that values up to 2^headroomBits × `maxAbs[t]` fit in a microbatch's share.
    public func setExponents(fromMaxAbs maxAbs: [Double]) {
        let headroomBits = Double(Foundation.log2(Double(limit))) - Double(Self.headroomBits)
        exponents = maxAbs.map { m in
            guard m > 0, m.isFinite else { return Self.initialExponent }
            return Int((headroomBits - Foundation.log2(m)).rounded(.down))
        }
    }

    /// Adds one microbatch's gradient (full layout buffer) and stats.
    public func add(grads: TensorBuffer<Float>, stats: StepStats) {
        switch mode {
        case .fast:
            var k = 0
            fast.withUnsafeMutableBufferPointer { buf in
                for r in ranges {
                    Float.axpy(r.count, 1, grads.base + r.lowerBound, buf.baseAddress! + k)
                    k += r.count
                }
                for (i, v) in (stats.reals + stats.counts).enumerated() { buf[gradCount + i] += Float(v) }
            }
        case .exact:
            var k = 0
            var saturated: Int64 = 0
            exact.withUnsafeMutableBufferPointer { buf in
                for (t, r) in ranges.enumerated() {
                    saturated += FixedPoint.accumulate(grads.base + r.lowerBound, count: r.count, scale: Foundation.scalbn(1.0, exponents[t]),
                                                       limit: limit, into: buf.baseAddress! + k)
                    k += r.count
                }
                let realScale = Foundation.scalbn(1.0, Self.realExponent)
                for (i, v) in stats.reals.enumerated() { buf[k + i] &+= Int64((v * realScale).rounded()) }
                k += StepStats.realCount
                var counts = stats.counts
                counts[counts.count - 1] += Double(saturated)
                for (i, v) in counts.enumerated() { buf[k + i] &+= Int64(v) }
            }
        }
    }

    /// Marks this rank as failed for this step (its buffer still takes part in the collective).
    public func markFailed() {
        let i = gradCount + StepStats.realCount + 3 + statsLatents
        if mode == .exact { exact[i] += 1 } else { fast[i] += 1 }
    }

    /// The one collective of the step. Writes the summed gradient into `grads` (trainable
    /// ranges; others untouched) and returns the summed stats.
    public func reduce(_ comm: Communicator, into grads: TensorBuffer<Float>) throws -> StepStats {
        var stats = StepStats(latents: statsLatents)
        var reals: [Double], counts: [Double]
        var k = 0
        switch mode {
        case .fast:
            let start = DispatchTime.now().uptimeNanoseconds
            try comm.allreduce(&fast)
            lastAllreduceSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            fast.withUnsafeBufferPointer { buf in
                for r in ranges {
                    (grads.base + r.lowerBound).update(from: buf.baseAddress! + k, count: r.count)
                    k += r.count
                }
            }
            reals = fast[k ..< k + StepStats.realCount].map(Double.init)
            counts = fast[(k + StepStats.realCount)...].map(Double.init)
        case .exact:
            let start = DispatchTime.now().uptimeNanoseconds
            try comm.allreduce(&exact)
            lastAllreduceSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            exact.withUnsafeBufferPointer { buf in
                for (t, r) in ranges.enumerated() {
                    FixedPoint.decode(buf.baseAddress! + k, count: r.count, scale: Foundation.scalbn(1.0, -exponents[t]),
                                      into: grads.base + r.lowerBound)
                    k += r.count
                }
            }
            let realInv = Foundation.scalbn(1.0, -Self.realExponent)
            reals = exact[k ..< k + StepStats.realCount].map { Double($0) * realInv }
            counts = exact[(k + StepStats.realCount)...].map { Double($0) }
        }
        stats.set(reals: reals, counts: counts)
        return stats
    }
}
