import Dist
import Foundation

extension Trainer {
    /// The forest model's fit at the start of phase 2 (ForestArchitecture): the bottom code of the
    /// phase's next batches (inference threshold; each rank its own microbatches) gives each latent's
    /// strong-firing threshold (its 15 % quantile, from a log2 histogram in 1/8 octaves) and then the
    /// strong co-firing counts; both are integer sums, so the allreduce gives every rank count the same
    /// counts and the same forest. Group t becomes unit t; the units left over take the most
    /// frequent ungrouped latents, one each; a third pass gives each unit's direction u_t (the
    /// principal direction of its members' part of the reconstruction); V = u, b_top = b_dec.
    func fitForest(_ phase: TrainingPhase) throws {
        let m = model.config.m1, m2 = model.config.m2, d = model.config.d
        guard m <= Self.forestFitLimit else {
            throw HSAEError.badConfig(option: "--m1", message: "the forest fit counts co-firing densely (8·M² bytes); the bottom layer's "
                + "\(m) latents exceed its limit of \(Self.forestFitLimit) (sparse counts are not built yet)")
        }
        let batches = max(1, Self.forestFitRows / config.batch)
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
                if seen + count > Self.strongQuantile * total {
                    // Log-linear within the bin: its lower edge alone counted up to 9 % weaker firings as strong,
                    // which changed the forest (A-exclusive seed 0: parent ρ 0.937 against 0.966 at the exact quantile).
                    let within = (Self.strongQuantile * total - seen) / count
                    strong[i] = Float(exp2(lo + (Double(k) + within) / 8))
                    break
                }
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
        let kinded = ForestRule().kindedGroups(CoFiringCounts(latents: m, pairs: pairs, rows: Double(batches * config.batch)))
        let groups = kinded.map(\.members)
        // Units: the rule's groups (at most m2), then the most frequent ungrouped latents, one per unit.
        var units = Array(groups.prefix(m2))
        let exclusive = kinded.prefix(m2).map(\.exclusive)
        var grouped = Set(units.joined())
        let firings = (0..<m).map { i in histogram[(i * bins)..<((i + 1) * bins)].reduce(0, +) }
        let singles = (0..<m).filter { !grouped.contains($0) && firings[$0] >= Self.minimumFirings }
            .sorted { firings[$0] != firings[$1] ? firings[$0] > firings[$1] : $0 < $1 }
        for i in singles.prefix(m2 - units.count) { units.append([i]); grouped.insert(i) }
        let parent = model.view(ForestArchitecture.parent)
        parent.fill(-1)
        for (t, unit) in units.enumerated() { for i in unit { parent[i] = Float(t) } }
        // Each unit's direction: the principal direction of its part of the reconstruction,
        // Σ_rows (Σ_{i∈t} z_i d_i)(…)ᵀ = D_tᵀ C_t D_t with C_t the members' code second moments,
        // summed in fixed point (integers: the same on any rank count).
        let parents = model.forestParents()
        var slot = [Int](repeating: -1, count: m), offset = [Int](repeating: 0, count: units.count + 1)
        for (t, unit) in units.enumerated() {
            for (k, i) in unit.enumerated() { slot[i] = k }
            offset[t + 1] = offset[t] + unit.count * unit.count
        }
        var moments = [Double](repeating: 0, count: offset[units.count])
        var members: [(unit: Int, slot: Int, z: Double)] = []
        try rowsOfPass { code in
            for r in 0..<code.rows {
                members.removeAll(keepingCapacity: true)
                for e in code.start[r] ..< code.start[r + 1] {
                    let i = Int(code.index[e])
                    if parents[i] >= 0 { members.append((parents[i], slot[i], Double(code.value[e]))) }
                }
                for a in members {
                    let n = units[a.unit].count
                    for b in members where b.unit == a.unit {
                        moments[offset[a.unit] + a.slot * n + b.slot] += (a.z * b.z * Self.momentScale).rounded()
                    }
                }
            }
        }
        try comm.allreduce(&moments)
        let u = model.view(ForestArchitecture.directions), v = model.view(ForestArchitecture.unitDecoder), wDec = model.view(.bottomWDec)
        u.fill(0)
        v.fill(0)
        for (t, unit) in units.enumerated() {
            let n = unit.count
            // Siblings that never co-fire share no component: their parent's direction is the unit
            // mean of their rows (as eval defines a direction-less parent's). Latents that co-fire
            // may share one (in A, a parent's latent and its children's): the principal direction of
            // their part of the reconstruction, when it carries enough of that part's energy.
            let rows = unit.map { i in (0..<d).map { Double(wDec.row(i)[$0]) } }
            let c = Array(moments[offset[t] ..< offset[t] + n * n])
            var direction = Self.unitMean(rows)
            if !(t < exclusive.count && exclusive[t]) {
                let principal = Self.principalDirection(rows: rows, moments: c)
                if Self.energyShare(principal, rows: rows, moments: c) >= Self.sharedComponentShare { direction = principal }
            }
            for j in 0..<d { u.row(t)[j] = Float(direction[j]); v.row(t)[j] = Float(direction[j]) }
        }
        model.view(ForestArchitecture.topBias).base.update(from: model.view(.bottomBDec).base, count: d)
        log.info("forest fit: \(groups.count) groups (\(min(groups.count, m2)) kept as units, \(grouped.count - (units.count - min(groups.count, m2))) children), "
            + "\(units.count - min(groups.count, m2)) units of one latent; \(exclusive.filter { $0 }.count) exclusive groups")
    }

    /// uᵀ Dᵀ C D u / trace(Dᵀ C D): the share of the group's reconstruction energy along u.
    static func energyShare(_ u: [Double], rows: [[Double]], moments: [Double]) -> Double {
        let n = rows.count
        let p = rows.map { row in zip(row, u).reduce(0) { $0 + $1.0 * $1.1 } }
        var along = 0.0, trace = 0.0
        for i in 0..<n {
            for j in 0..<n {
                along += p[i] * moments[i * n + j] * p[j]
                trace += moments[i * n + j] * zip(rows[i], rows[j]).reduce(0) { $0 + $1.0 * $1.1 }
            }
        }
        return trace > 0 ? along / trace : 0
    }

    /// The normalised sum of `rows`.
    static func unitMean(_ rows: [[Double]]) -> [Double] {
        var u = [Double](repeating: 0, count: rows[0].count)
        for row in rows { for j in 0..<u.count { u[j] += row[j] } }
        let norm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? u.map { $0 / norm } : u
    }

    /// The top eigenvector of Dᵀ C D (D: the members' decoder rows, n × d; C: their n × n code
    /// second moments), by power iteration in float64, signed to agree with Σ_i d_i; unit norm.
    static func principalDirection(rows: [[Double]], moments: [Double]) -> [Double] {
        let n = rows.count, d = rows[0].count
        var u = [Double](repeating: 0, count: d)
        for (i, row) in rows.enumerated() { for j in 0..<d { u[j] += moments[i * n + i] * row[j] } }
        func normalise(_ v: inout [Double]) {
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 { for j in 0..<d { v[j] /= norm } }
        }
        if u.allSatisfy({ $0 == 0 }) { for row in rows { for j in 0..<d { u[j] += row[j] } } }
        normalise(&u)
        for _ in 0..<Self.powerIterations {
            let p = rows.map { row in zip(row, u).reduce(0) { $0 + $1.0 * $1.1 } }       // D u
            let q = (0..<n).map { i in (0..<n).reduce(0) { $0 + moments[i * n + $1] * p[$1] } }   // C D u
            var next = [Double](repeating: 0, count: d)
            for i in 0..<n { for j in 0..<d { next[j] += q[i] * rows[i][j] } }                // Dᵀ C D u
            normalise(&next)
            if next.allSatisfy({ $0 == 0 }) { break }
            u = next
        }
        let sum = (0..<d).reduce(0.0) { acc, j in acc + u[j] * rows.reduce(0) { $0 + $1[j] } }
        if sum < 0 { for j in 0..<d { u[j] = -u[j] } }
        return u
    }

    static let forestFitLimit = 4096
    /// Rows counted (the prototypes counted 190 000).
    static let forestFitRows = 200_000
    static let forestBins = 256
    static let forestLowestLog2 = -16.0
    static let strongQuantile = 0.15
    /// A latent takes a unit of its own only when it fired at least this often in the counted rows.
    static let minimumFirings = 10.0
    /// Code products are summed as integers of 2⁻¹⁶ (exact in a Double below 2⁵³).
    static let momentScale = 65536.0
    static let powerIterations = 100
    /// A co-firing group's direction is its principal one when that carries at least this share of
    /// the group's reconstruction energy, else the unit mean (tight cells, 3 seeds: 0.5 keeps A's
    /// figures; 0.7 lifts B-exclusive by 0.012 and costs A-exclusive 0.010; docs/RESULTS.md).
    static let sharedComponentShare = 0.5
}
