/// Plain sentences for `EvalReport.notes`: whether the hierarchy shows where it should, said
/// outright, including when it does not (Must-show 1 and 2 of the evaluation issue).
public enum ReportVerdicts {
    /// Label levels whose concept should live in the top code (level index > 0) or the bottom (< 0).
    public static let topLevels: Set<String> = ["parent", "topic", "contextual", "source", "genre"]
    public static let bottomLevels: Set<String> = ["child", "lexical", "token"]

    /// For each label kind with a stated level: does the level index at k ≤ 2 have the expected sign?
    /// Child/lexical labels: acc(child code) > acc(parent code). Parent/topic labels: acc(parent) ≥
    /// acc(child) (the HSAE: Z2 and Z1; the codes each LevelIndex names).
    public static func levelIndex(_ results: [ProbeLabelResult]) -> [String] {
        results.compactMap { p in
            guard let level = p.level else { return nil }
            let wantTop = topLevels.contains(level)
            guard wantTop || bottomLevels.contains(level) else { return nil }
            let small = p.levelIndex.filter { ($0.k ?? Int.max) <= 2 }
            guard !small.isEmpty else { return "'\(p.label)' (\(level)): no k ≤ 2 probe to judge the level index." }
            if small.allSatisfy({ !beatsMajority(p, code: $0.top, k: $0.k) && !beatsMajority(p, code: $0.bottom, k: $0.k) }) {
                return "'\(p.label)' (\(level)): \(p.classes) classes cannot be probed from k ≤ 2 features "
                    + "(neither code beats the majority class there), so the level index says nothing about it."
            }
            let values = small.map { "\(ReportHeadline.kName($0.k)) \(ReportHeadline.number($0.value))" }.joined(separator: ", ")
            let ok = small.allSatisfy { wantTop ? $0.value >= 0 : $0.value < 0 }
            let expected = wantTop ? "≥ 0 (top holds it at least as well)" : "< 0 (bottom holds it better)"
            return "'\(p.label)' (\(level)): level index acc(\(small[0].top)) − acc(\(small[0].bottom)) at \(values); expected \(expected): "
                + (ok ? "as expected." : "NOT as expected.")
        }
    }

    /// Whether a probe on `code` with k features is more accurate than always answering the
    /// training split's majority class.
    static func beatsMajority(_ p: ProbeLabelResult, code: String, k: Int?) -> Bool {
        guard let s = p.scores.first(where: { $0.code == code && $0.k == k }),
              let accuracy = s.accuracy, let majority = s.majorityAccuracy else { return true }
        return accuracy > majority
    }

    /// Whether the top layer finds the true parents better than any single bottom or baseline latent.
    public static func parentDetection(_ gt: GroundTruthSection) -> [String] {
        let top = ReportHeadline.mean(gt.parentDetection.map(\.top))
        let bottom = ReportHeadline.mean(gt.parentDetection.map(\.bottom))
        let baseline = ReportHeadline.mean(gt.parentDetection.map(\.baseline))
        guard let top else { return [] }
        let rivals = [("bottom", bottom), ("baseline", baseline)].compactMap { name, v in v.map { (name, $0) } }
        let beaten = rivals.filter { top > $0.1 }.map(\.0), notBeaten = rivals.filter { top <= $0.1 }.map(\.0)
        let numbers = "mean best ρ with a true parent: top \(ReportHeadline.number(top))"
            + rivals.map { ", \($0.0) \(ReportHeadline.number($0.1))" }.joined()
        if notBeaten.isEmpty { return ["The top layer finds the true parents better than any single \(beaten.joined(separator: " or ")) latent (\(numbers))."] }
        return ["The top layer does NOT find the true parents better than the best single \(notBeaten.joined(separator: " or ")) latent (\(numbers))."]
    }
}
