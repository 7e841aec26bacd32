import Foundation

// Legend: R roots, b children per root, S singletons, F = R + R·b + S true features, d width.

/// The drawn part of a synthetic hierarchy (directions and firing probabilities), and the
/// sampler that draws one row's sparse code from it. Everything follows from `config.seed`.
public struct SyntheticModel {
    public let config: SyntheticConfig
    public let layout: SyntheticLayout
    /// Unit directions g_f, one row per true feature; all-zero rows for geometry-B parents.
    public let directions: Matrix<Float>  // F × d
    /// p_r, the firing probability of each root.
    public let rootProbability: [Double]  // R
    /// p_s, the firing probability of each singleton.
    public let singletonProbability: [Double]  // S

    /// Streams: directions from `seed`'s stream 1, shard s's rows from stream `rowStream + s`,
    /// so a shard's rows do not depend on how (or in what order) other shards were made.
    static let directionStream: UInt64 = 1
    static let rowStream: UInt64 = 0x1000

    public init(config: SyntheticConfig) {
        self.config = config
        layout = config.layout
        let (F, d) = (layout.featureCount, config.d)
        var rng = SplitMix64(seed: config.seed).derived(Self.directionStream)
        var g = Matrix<Float>(rows: F, cols: d)
        for f in 0..<F {
            // Isotropic Gaussian, normalised: a uniform unit vector. Drawn even for B parents
            // (then zeroed) so that A and B with the same seed share their child directions.
            var v = (0..<d).map { _ in rng.nextGaussian() }
            var norm = (v.reduce(0) { $0 + $1 * $1 }).squareRoot()
            while norm < 1e-12 {  // practically unreachable; keeps the division safe
                v = (0..<d).map { _ in rng.nextGaussian() }
                norm = (v.reduce(0) { $0 + $1 * $1 }).squareRoot()
            }
            guard layout.hasDirection(f) else { continue }
            for k in 0..<d { g[f, k] = Float(v[k] / norm) }
        }
        directions = g
        rootProbability = Self.zipf(count: config.roots, max: config.probabilityMax, min: config.probabilityMin)
        singletonProbability = Self.zipf(count: config.singletons, max: config.probabilityMax, min: config.probabilityMin)
    }

    /// p_i = p_max · (i+1)^(−α) for i in 0..<n, with α = ln(p_max/p_min) / ln n, so that
    /// p_0 = p_max and p_{n−1} = p_min (all p_max when n = 1).
    public static func zipf(count n: Int, max pMax: Double, min pMin: Double) -> [Double] {
        guard n > 1 else { return Array(repeating: pMax, count: n) }
        let alpha = Foundation.log(pMax / pMin) / Foundation.log(Double(n))
        return (0..<n).map { pMax * Foundation.pow(Double($0 + 1), -alpha) }
    }

    /// The generator of shard `shard`'s rows.
    func rowGenerator(shard: Int) -> SplitMix64 {
        SplitMix64(seed: config.seed).derived(Self.rowStream &+ UInt64(shard))
    }

    /// Draws one row's firing features, in increasing feature index, with their magnitudes.
    /// A geometry-B parent's magnitude is the sum of its firing children's (it has no direction).
    func sampleRow(_ rng: inout SplitMix64, features: inout [Int32], magnitudes: inout [Float],
                   scratchChildren: inout [Int32], scratchMagnitudes: inout [Float]) {
        features.removeAll(keepingCapacity: true)
        magnitudes.removeAll(keepingCapacity: true)
        scratchChildren.removeAll(keepingCapacity: true)
        scratchMagnitudes.removeAll(keepingCapacity: true)
        let b = layout.children
        for r in 0..<layout.roots where rng.nextUnit() < rootProbability[r] {
            var childSum: Float = 0
            let before = scratchChildren.count
            switch config.childMode {
            case .exclusive:
                let j = Int(rng.next() % UInt64(b))
                scratchChildren.append(Int32(layout.child(r, j)))
            case .independent:
                for j in 0..<b where rng.nextUnit() < config.childProbability {
                    scratchChildren.append(Int32(layout.child(r, j)))
                }
                if scratchChildren.count == before {
                    scratchChildren.append(Int32(layout.child(r, Int(rng.next() % UInt64(b)))))
                }
            }
            for _ in before ..< scratchChildren.count {
                let m = foldedNormal(&rng)
                scratchMagnitudes.append(m)
                childSum += m
            }
            features.append(Int32(layout.parent(r)))
            magnitudes.append(layout.geometry == .a ? foldedNormal(&rng) : childSum)
        }
        features.append(contentsOf: scratchChildren)
        magnitudes.append(contentsOf: scratchMagnitudes)
        for s in 0..<layout.singletons where rng.nextUnit() < singletonProbability[s] {
            features.append(Int32(layout.singleton(s)))
            magnitudes.append(foldedNormal(&rng))
        }
    }

    /// m = |μ + σ_m · z|, z ~ N(0, 1).
    @inline(__always) func foldedNormal(_ rng: inout SplitMix64) -> Float {
        Float(abs(config.magnitudeMean + config.magnitudeStd * rng.nextGaussian()))
    }

    /// x = Σ_f m_f · g_f + σ · ε over the given firing features (B parents add nothing).
    func assembleRow(features: [Int32], magnitudes: [Float], rng: inout SplitMix64,
                     into x: UnsafeMutablePointer<Float>) {
        let d = config.d
        rng.fillGaussian(x, count: d, scale: Float(config.noise))
        directions.storage.withUnsafeBufferPointer { g in
            for (f, m) in zip(features, magnitudes) where layout.hasDirection(Int(f)) {
                let row = g.baseAddress! + Int(f) * d
                for k in 0..<d { x[k] += m * row[k] }
            }
        }
    }
}

extension SplitMix64 {
    /// Fills `count` values with σ·N(0, 1), using both values of each Box–Muller pair
    /// (noise is most of the generator's random numbers). Writes zeros, drawing nothing, when σ = 0.
    mutating func fillGaussian(_ out: UnsafeMutablePointer<Float>, count: Int, scale sigma: Float) {
        guard sigma > 0 else {
            out.update(repeating: 0, count: count)
            return
        }
        var i = 0
        while i < count {
            var u = nextUnit()
            while u <= .leastNonzeroMagnitude { u = nextUnit() }
            let radius = (-2 * Foundation.log(u)).squareRoot()
            let angle = 2 * Double.pi * nextUnit()
            out[i] = sigma * Float(radius * Foundation.cos(angle))
            if i + 1 < count { out[i + 1] = sigma * Float(radius * Foundation.sin(angle)) }
            i += 2
        }
    }
}
