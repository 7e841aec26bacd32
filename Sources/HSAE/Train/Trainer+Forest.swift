import Dist
import Foundation

extension Trainer {
    /// The forest model's fit at the start of phase 2 (ForestArchitecture): the bottom code of the
    /// phase's next batches (inference threshold; each rank its own microbatches) gives each latent's
    /// strong-firing threshold (its 15 % quantile, from a log2 histogram in 1/8 octaves) and then the
    /// strong co-firing counts; both are integer sums, so the allreduce gives every rank count the same
    /// counts and the same forest. Group t becomes unit t: its children's weights 1, its direction the
    /// mean of their decoder rows; b_top = b_dec.
    func fitForest(_ phase: TrainingPhase) throws {
        let m = model.config.m1, m2 = model.config.m2, d = model.config.d
        guard m <= Self.forestFitLimit else {
            throw HSAEError.badConfig(option: "--m1", message: "the forest fit counts co-firing densely (8·M² bytes); the bottom layer's "
                + "\(m) latents exceed its limit of \(Self.forestFitLimit) (sparse counts are not built yet)")
        }
        let batches = max(1, min(phase.steps, Self.forestFitRows / config.batch))
        log.info("forest fit: counting strong co-firing of \(m) latents over \(batches * config.batch) rows")
        let bins = Self.forestBins, lo = Self.forestLowestLog2
        func rowsOfPass(_ body: (SparseCode<Float>) -> Void) throws {
            for s in 0..<batches {
                for q in order.microbatches(rank: comm.rank, ranks: comm.size) {
                    let rows = order.rows(batch: state.globalStep + s, microbatch: q)
                    try data.read(rows: rows, into: ws.x.base)
                    Float.scal(config.microbatch * d, model.inputScale, ws.x.base)
                    model.forward(ws, ForwardOptions(layers: 1, training: false))
                    body(ws.code1)
                }
            }
        }
        var histogram = [Double](repeating: 0, count: m * bins)
        try rowsOfPass { code in
            for e in 0..<code.count {
                let v = Double(code.value[e])
                let bin = min(bins - 1, max(0, Int(((log2(v) - lo) * 8).rounded(.down))))
                histogram[Int(code.index[e]) * bins + bin] += 1
            }
        }
        try comm.allreduce(&histogram)
        var strong = [Float](repeating: 0, count: m)
        for i in 0..<m {
            let h = histogram[(i * bins)..<((i + 1) * bins)], total = h.reduce(0, +)
            guard total >= 10 else { continue }
            var seen = 0.0
            for (k, count) in h.enumerated() {
                if seen + count > Self.strongQuantile * total { strong[i] = Float(exp2(lo + Double(k) / 8)); break }
                seen += count
            }
        }
        var pairs = [Double](repeating: 0, count: m * m)
        var on: [Int] = []
        try rowsOfPass { code in
            for r in 0..<code.rows {
                on.removeAll(keepingCapacity: true)
                for e in code.start[r] ..< code.start[r + 1] where code.value[e] >= strong[Int(code.index[e])] { on.append(Int(code.index[e])) }
                for a in on { for b in on { pairs[a * m + b] += 1 } }
            }
        }
        try comm.allreduce(&pairs)
        let groups = ForestRule().groups(CoFiringCounts(latents: m, pairs: pairs, rows: Double(batches * config.batch)))
        let kept = Array(groups.prefix(m2))
        let parent = model.view(ForestArchitecture.parent), w = model.view(ForestArchitecture.childWeight)
        let v = model.view(ForestArchitecture.unitDirections), wDec = model.view(.bottomWDec)
        parent.fill(-1)
        w.fill(1)
        v.fill(0)
        for (t, group) in kept.enumerated() {
            for i in group {
                parent[i] = Float(t)
                Float.axpy(d, 1 / Float(group.count), wDec.row(i), v.row(t))
            }
        }
        model.view(ForestArchitecture.topBias).base.update(from: model.view(.bottomBDec).base, count: d)
        log.info("forest fit: \(groups.count) groups (\(kept.count) kept as units, \(kept.reduce(0) { $0 + $1.count }) children)")
    }

    static let forestFitLimit = 4096
    /// Rows counted (the prototypes counted 190 000).
    static let forestFitRows = 200_000
    static let forestBins = 256
    static let forestLowestLog2 = -16.0
    static let strongQuantile = 0.15
}
