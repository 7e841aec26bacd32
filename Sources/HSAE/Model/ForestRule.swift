import Foundation

/// Strong co-firing counts of M latents over N rows: `pairs` is M × M row-major and symmetric, its
/// diagonal the per-latent counts n_i.
public struct CoFiringCounts: Sendable, Equatable {
    public let latents: Int
    public var pairs: [Double]
    public var rows: Double
    public init(latents: Int, pairs: [Double], rows: Double) {
        precondition(pairs.count == latents * latents, "co-firing counts: \(pairs.count) entries for \(latents) latents")
        self.latents = latents
        self.pairs = pairs
        self.rows = rows
    }
}

/// The two-sided forest of issue 28 (docs/journal/issue-28-prototypes.md, session 3; the Python is
/// bench/proto/group-offline.py's "two-sided forest"): exclusive groups and positive groups grown
/// apart by sum linkage of Poisson log-likelihood ratios against a calibrated null, then one forest.
///
///     E = n nᵀ / N,  lift = C / E,  ρ0 = median lift over pairs with E ≥ 50
///     L_ex = C ln(ε/ρ0) + (ρ0 − ε) E                  > 0: evidence that the pair never co-fires
///     L_pos = C ln(C/(ρ0 E)) − C + ρ0 E  (kept where ≥ τ_pos);  L_po = lift > liftPositive ? L_pos : min(L_ex, 0)
///
/// Linkage: merge the two groups with the largest summed cross score while it is ≥ τ, no cross pair
/// scores below −veto, and the merged group has ≤ cap members. The forest: the groups in order of
/// their within-group score per member, each latent kept by the first group that takes it.
public struct ForestRule: Sendable {
    public var eps = 0.02, tau = 1.0, veto = 10.0, cap = 10, liftPositive = 2.0
    /// nil: ln(M(M−1)/2), the multiple-testing bar.
    public var tauPositive: Double? = nil
    public var minCount = 5.0
    public init() {}

    public func groups(_ counts: CoFiringCounts) -> [[Int]] { kindedGroups(counts).map(\.members) }

    /// The forest's groups and the side that grew each: exclusive (siblings that never co-fire) or
    /// positive (latents that co-fire more than chance).
    public func kindedGroups(_ counts: CoFiringCounts) -> [(members: [Int], exclusive: Bool)] {
        let m = counts.latents, c = counts.pairs, n = (0..<m).map { c[$0 * m + $0] }
        guard m > 1, counts.rows > 0 else { return [] }
        let e = { (i: Int, j: Int) in n[i] * n[j] / counts.rows }
        var lifts: [Double] = []
        for i in 0..<m { for j in (i + 1)..<m where e(i, j) >= 50 { lifts.append(c[i * m + j] / e(i, j)) } }
        lifts.sort()
        let rho0 = lifts.isEmpty ? 1 : lifts.count % 2 == 1 ? lifts[lifts.count / 2] : (lifts[lifts.count / 2 - 1] + lifts[lifts.count / 2]) / 2
        let tauPos = tauPositive ?? log(Double(m) * Double(m - 1) / 2)
        var lEx = [Double](repeating: 0, count: m * m), lPo = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for j in 0..<m where i != j {
                let (cij, eij) = (c[i * m + j], e(i, j))
                let ex = cij * log(eps / rho0) + (rho0 - eps) * eij
                var pos = cij > 0 ? cij * log(max(cij, 1e-12) / max(rho0 * eij, 1e-12)) - cij + rho0 * eij : 0
                if pos < tauPos { pos = 0 }
                let lift = eij > 0 ? cij / max(eij, 1e-12) : 1
                lEx[i * m + j] = ex
                lPo[i * m + j] = lift > liftPositive ? pos : min(ex, 0)
            }
        }
        let active = (0..<m).filter { n[$0] >= minCount }
        let exclusive = linkage(lEx, m: m, active: active), positive = linkage(lPo, m: m, active: active)
        func perMember(_ l: [Double], _ g: [Int]) -> Double {
            var s = 0.0
            for a in g { for b in g { s += l[a * m + b] } }
            return s / 2 / Double(g.count)
        }
        let scored = exclusive.map { (perMember(lEx, $0), $0) } + positive.map { (perMember(lPo, $0), $0) }
        let ordered = scored.enumerated().sorted { $0.element.0 != $1.element.0 ? $0.element.0 > $1.element.0 : $0.offset < $1.offset }
        var taken = [Bool](repeating: false, count: m), forest: [(members: [Int], exclusive: Bool)] = []
        for (offset, (_, g)) in ordered {
            let kept = g.filter { !taken[$0] }
            if kept.count >= 2 {
                forest.append((kept, offset < exclusive.count))
                for i in kept { taken[i] = true }
            }
        }
        return forest
    }

    /// Greedy sum linkage over `active` latents with the pair scores `l` (also the veto's).
    func linkage(_ l: [Double], m: Int, active: [Int]) -> [[Int]] {
        let k = active.count
        guard k > 1 else { return [] }
        var sum = [Double](repeating: 0, count: k * k), vmin = [Double](repeating: 0, count: k * k)
        for a in 0..<k { for b in 0..<k where a != b { sum[a * k + b] = l[active[a] * m + active[b]]; vmin[a * k + b] = sum[a * k + b] } }
        var size = [Int](repeating: 1, count: k), alive = [Bool](repeating: true, count: k)
        var members = active.map { [$0] }
        while true {
            var best = -Double.infinity, (ba, bb) = (-1, -1)
            for a in 0..<k where alive[a] {
                for b in (a + 1)..<k where alive[b] && size[a] + size[b] <= cap && vmin[a * k + b] >= -veto {
                    let s = sum[a * k + b]
                    if s > best { best = s; (ba, bb) = (a, b) }
                }
            }
            guard ba >= 0, best.isFinite, best >= tau else { break }
            for j in 0..<k where j != ba && j != bb {
                sum[ba * k + j] += sum[bb * k + j]; sum[j * k + ba] = sum[ba * k + j]
                vmin[ba * k + j] = min(vmin[ba * k + j], vmin[bb * k + j]); vmin[j * k + ba] = vmin[ba * k + j]
            }
            size[ba] += size[bb]; alive[bb] = false; members[ba] += members[bb]
        }
        return (0..<k).filter { alive[$0] && size[$0] >= 2 }.map { members[$0] }
    }
}
