/// Scores of predicted labels against true ones.
///
///     accuracy = #{i : ŷ_i = y_i} / n
///     F1_c = 2·tp_c / (2·tp_c + fp_c + fn_c)
///     macro-F1 = mean of F1_c over the classes that occur in y or ŷ
///
/// Macro-F1 weighs every class equally, so a probe that only predicts the majority class
/// scores low on it even when its accuracy is high.
public enum ClassificationMetrics {
    public static func accuracy(predicted: [Int], truth: [Int]) -> Double? {
        precondition(predicted.count == truth.count, "accuracy: \(predicted.count) predictions, \(truth.count) labels")
        guard !truth.isEmpty else { return nil }
        return Double(zip(predicted, truth).filter { $0 == $1 }.count) / Double(truth.count)
    }

    public static func macroF1(predicted: [Int], truth: [Int]) -> Double? {
        precondition(predicted.count == truth.count, "macro-F1: \(predicted.count) predictions, \(truth.count) labels")
        var tp: [Int: Double] = [:], fp: [Int: Double] = [:], fn: [Int: Double] = [:]
        for (p, t) in zip(predicted, truth) {
            if p == t { tp[t, default: 0] += 1 } else { fp[p, default: 0] += 1; fn[t, default: 0] += 1 }
        }
        let classes = Set(predicted).union(truth).sorted()  // a fixed order: the sum must not depend on the process
        guard !classes.isEmpty else { return nil }
        let f1 = classes.map { c -> Double in
            let t = tp[c] ?? 0, denominator = 2 * t + (fp[c] ?? 0) + (fn[c] ?? 0)
            return denominator > 0 ? 2 * t / denominator : 0
        }
        return f1.reduce(0, +) / Double(f1.count)
    }
}
