/// Streaming sparsity statistics of one code (a layer's latents over the evaluation rows).
///
/// Legend: n tokens, m latents, z a row of the code, "fires" means z_i > 0.
///
///     L0 = mean_rows #{i : z_i > 0}           mean active latents per token
///     sparsity = 1 − L0 / m                    the fraction of zeros (DESIGN §2)
///     frequency_i = #{rows : z_i > 0} / n      per-latent firing frequency (density)
///     dead = #{i : frequency_i = 0}            never fired on the evaluation rows
///
/// State: n, ΣL0, ΣL0², per-latent firing counts and activation sums — all additive.
public final class CodeStats: SumAccumulator {
    @exclusivity(unchecked) public var sums: [Double]  // 3 + 2m: see `Slot`
    public let m: Int

    enum Slot {
        static let rows = 0, l0 = 1, l0Squares = 2
        static let firing = 3   // m values: firing counts, then m activation sums
    }

    public init(latents m: Int) {
        self.m = m
        sums = [Double](repeating: 0, count: Slot.firing + 2 * m)
    }

    /// Adds a batch of codes (B×m).
    public func add<T: BLASScalar>(_ code: Matrix<T>) {
        precondition(code.cols == m, "code stats: code has \(code.cols) latents, expected \(m)")
        var l0 = 0.0, l0Squares = 0.0
        sums.withUnsafeMutableBufferPointer { s in
            let fire = s.baseAddress! + Slot.firing, total = fire + m
            code.storage.withUnsafeBufferPointer { z in
                for r in 0..<code.rows {
                    var active = 0
                    for i in 0..<m where z[r * m + i] > 0 {
                        active += 1
                        fire[i] += 1
                        total[i] += Double(z[r * m + i])
                    }
                    l0 += Double(active)
                    l0Squares += Double(active * active)
                }
            }
        }
        sums[Slot.rows] += Double(code.rows)
        sums[Slot.l0] += l0
        sums[Slot.l0Squares] += l0Squares
    }

    public var rows: Int { Int(sums[Slot.rows]) }
    /// Per-latent firing counts.
    public var firingCounts: [Double] { Array(sums[Slot.firing ..< Slot.firing + m]) }

    /// Per-latent firing frequency (0 when no rows were seen).
    public var frequencies: [Double] {
        let n = sums[Slot.rows]
        return firingCounts.map { n > 0 ? $0 / n : 0 }
    }

    /// Mean value of each latent over the rows where it fires (0 for a dead latent).
    public var meanActivationWhenFiring: [Double] {
        (0..<m).map { i in
            let c = sums[Slot.firing + i]
            return c > 0 ? sums[Slot.firing + m + i] / c : 0
        }
    }

    /// The numbers a report shows. `targetSparsity` is the configured s (or 1 − L0*/m).
    public func summary(name: String, targetSparsity: Double? = nil) -> CodeSummary {
        let n = sums[Slot.rows]
        let meanL0 = n > 0 ? sums[Slot.l0] / n : 0
        let variance = n > 0 ? max(0, sums[Slot.l0Squares] / n - meanL0 * meanL0) : 0
        let dead = firingCounts.filter { $0 == 0 }.count
        return CodeSummary(
            name: name, latents: m, rows: rows, meanL0: meanL0, stdL0: variance.squareRoot(),
            sparsity: m > 0 ? 1 - meanL0 / Double(m) : 0, targetSparsity: targetSparsity,
            dead: dead, deadFraction: m > 0 ? Double(dead) / Double(m) : 0,
            frequencyHistogram: .logFrequency(frequencies))
    }
}

/// Sparsity of one code, as reported (`CodeStats` defines each field).
public struct CodeSummary: Codable, Equatable, Sendable {
    public var name: String
    public var latents: Int
    public var rows: Int
    public var meanL0: Double
    public var stdL0: Double
    public var sparsity: Double
    public var targetSparsity: Double?
    public var dead: Int
    public var deadFraction: Double
    public var frequencyHistogram: Histogram
}
