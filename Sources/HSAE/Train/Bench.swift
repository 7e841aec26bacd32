import Dist
import Foundation

/// `hsae bench`: training speed on random data of any shape, through the real trainer.
///
/// Each rank writes the same seeded Gaussian rows to node-local shared memory (/dev/shm, so no
/// disk is involved and the user gives no files), trains on them with checkpoints off, and
/// removes them. Timed steps exclude the first `warmup` steps of each phase; a phase's figure is
/// the median step. FLOP/s are dense-equivalent (10·B·d·m per phase-1 step, the convention of
/// the peer scripts), so a sparse kernel shows as more than the dense peak.
public enum Bench {
    public struct PhaseResult: Sendable {
        public let phase: Int
        public let steps: Int
        public let secondsPerStep: Double
        public let allreduceSeconds: Double
        public let tokensPerSecond: Double
        public let denseEquivalentGFLOPs: Double
        /// Mean active latents per token, per layer of the model.
        public let l0: [Double]
        /// Layer `index`'s L0, 0 for a layer the model does not have (the table's columns are the HSAE's two).
        public func l0(layer index: Int) -> Double { index < l0.count ? l0[index] : 0 }
    }

    /// Writes `rows` × d seeded N(0, 1) rows as a data set under a fresh directory; returns it.
    public static func writeRandomData(rows: Int, d: Int, seed: UInt64, under root: String) throws -> String {
        let dir = root + "/data"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var rng = SplitMix64(seed: seed)
        let chunk = 8192
        var shards: [DatasetManifest.Shard] = []
        for (s, first) in stride(from: 0, to: rows, by: chunk).enumerated() {
            let n = min(chunk, rows - first)
            let values = (0..<(n * d)).map { _ in Float(rng.nextGaussian()) }
            shards.append(try ShardWriter.write(directory: dir, name: String(format: "shard-%04d", s), values: values, rows: n, d: d))
        }
        let manifest = DatasetManifest(d: d, dtype: "f32", shards: shards)
        try AtomicFile.write(try JSONFormat.encoder(.pretty).encode(manifest), to: dir + "/dataset.json")
        return dir
    }

    /// Sets the bottom encoder's bias so that a layer whose density is not fixed by its selection
    /// (relu) starts at its target density on
    /// N(0, 1) data (the rows of W_enc have norm 0.1 after initialisation, so pre-activations are
    /// ≈ N(0, 0.01)): the speed of a relu SAE depends on its L0, and benchmarks want the L0 a
    /// trained model runs at, not the ~50 % of a fresh one.
    public static func startAtTargetDensity(_ model: HierarchicalSAE<Float>) {
        let c = model.config
        guard !c.bottom.activation.traits.selection.keepsK else { return }
        let density = min(max(c.bottom.target.density(latents: c.m1), 1e-6), 0.5)
        let bias = model.view(c.layers[0].encoderBias)
        bias.fill(Float(-0.1 * inverseNormalTail(density)))
    }

    /// t with P(N(0, 1) > t) = p, for p ≤ 0.5 (Abramowitz–Stegun 26.2.23, |error| < 4.5e-4).
    static func inverseNormalTail(_ p: Double) -> Double {
        let t = (-2 * Foundation.log(p)).squareRoot()
        return t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t)
    }

    /// Per-phase medians of the steps after the first `warmup` of each phase.
    public static func summarise(_ times: [StepTime], warmup: Int, batch: Int, d: Int, m: Int) -> [PhaseResult] {
        let phases = Array(Set(times.map(\.phase))).sorted()
        return phases.compactMap { p in
            let timed = Array(times.filter { $0.phase == p }.dropFirst(warmup))
            guard !timed.isEmpty else { return nil }
            let seconds = median(timed.map(\.seconds))
            let flops = 10 * Double(batch) * Double(d) * Double(m)
            return PhaseResult(phase: p, steps: timed.count, secondsPerStep: seconds, allreduceSeconds: median(timed.map(\.allreduceSeconds)),
                               tokensPerSecond: Double(batch) / seconds, denseEquivalentGFLOPs: flops / seconds / 1e9,
                               l0: timed[0].l0.indices.map { l in timed.map { $0.l0[l] }.reduce(0, +) / Double(timed.count) })
        }
    }

    static func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Peak resident set of this process in bytes (getrusage; Linux reports KiB).
    public static func peakRSS() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) * 1024
    }
}
