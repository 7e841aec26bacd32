import Foundation

/// "What this says": the report's top paragraph, a few sentences generated from its numbers
/// (each sentence only when the numbers behind it exist; the comparisons — better, worse, about
/// the same — are decided from the numbers, not written in advance).
public enum ReportSummary {
    /// Relative FVU difference below which two models count as "about as well".
    static let sameFVU = 0.03

    public static func sentences(_ r: EvalReport) -> [String] {
        [reconstruction(r), layers(r), dead(r), spliced(r), groundTruth(r), probing(r)].compactMap { $0 }
    }

    static func n(_ v: Double?) -> String { ReportHeadline.number(v) }
    /// A percentage, one decimal below 10 % (so that 0.2 % does not read as 0 %).
    static func percent(_ v: Double) -> String { String(format: abs(v) < 0.1 && v != 0 ? "%.1f %%" : "%.0f %%", 100 * v) }

    static func reconstruction(_ r: EvalReport) -> String? {
        guard let full = r.fvu("full") else { return nil }
        let l0 = r.layersMeanL0 ?? 0, layers = r.layerNamesJoined
        guard let base = r.fvu("baseline"), base > 0 else {
            return "The HSAE leaves \(percent(full)) of the held-out variance unexplained (FVU \(n(full)), L0 \(n(l0)) \(layers))."
        }
        let relative = (full - base) / base
        let verdict = abs(relative) < sameFVU ? "about as well as" : relative < 0 ? "better than" : "less well than"
        let difference = abs(relative) < sameFVU ? "" : " (\(percent(abs(relative))) \(relative < 0 ? "lower" : "higher"))"
        return "The HSAE reconstructs the held-out activations \(verdict) the single-layer baseline: FVU \(n(full)) against \(n(base))"
            + "\(difference), at L0 \(n(l0)) (\(layers)) against \(n(r.code("baseline")?.meanL0))."
    }

    static func layers(_ r: EvalReport) -> String? {
        guard let skip = r.fvu("skip_only"), let top = r.fvu("top_only") else { return nil }
        let relative = skip > 0 ? (top - skip) / skip : 0
        let verdict = abs(relative) < sameFVU ? "about as well as" : relative < 0 ? "better than" : "less well than"
        return "Through the top layer alone (g ≡ 0) the model reconstructs \(verdict) through the bottom layer alone "
            + "(FVU \(n(top)) against \(n(skip)))" + (r.gate.map { "; the mean gate is \(n($0.mean))." } ?? ".")
    }

    static func dead(_ r: EvalReport) -> String? {
        guard let hsae = r.layersDeadFraction else { return nil }
        let base = r.code("baseline")?.deadFraction
        if hsae == 0 && (base ?? 0) == 0 { return "No latent is dead on these rows." }
        return "\(percent(hsae)) of the HSAE's latents" + (base.map { " and \(percent($0)) of the baseline's" } ?? "") + " are dead on these rows."
    }

    static func spliced(_ r: EvalReport) -> String? {
        guard let s = r.splicedFidelity, let full = s.score("full"), let zero = s.score("zero_ablation") else { return nil }
        let base = s.score("baseline"), mean = s.score("mean_ablation")
        var out = "Spliced into layer \(s.layer) of the language model in place of the activation, the HSAE's reconstruction keeps "
            + "the sentence embedding at cosine \(n(full.cosine))" + (base.map { " (baseline \(n($0.cosine)))" } ?? "")
        if zero.cosine < 1 {
            out += ", \(percent((full.cosine - zero.cosine) / (1 - zero.cosine))) of the way from the zero-ablation floor (\(n(zero.cosine))"
                + (mean.map { "; mean ablation \(n($0.cosine))" } ?? "") + ") to the unchanged model"
        }
        if let agreement = full.retrievalAgreement {
            let reference = [base?.retrievalAgreement.map { "baseline \(percent($0))" }, s.chanceAgreement.map { "chance \(percent($0))" }]
                .compactMap { $0 }
            out += ", and leaves the nearest other window unchanged for \(percent(agreement)) of \(s.windows) windows"
                + (reference.isEmpty ? "" : " (" + reference.joined(separator: ", ") + ")")
        }
        return out + "."
    }

    static func groundTruth(_ r: EvalReport) -> String? {
        guard let gt = r.groundTruth, let h = gt.models.first(where: { $0.model == "hsae" }) else { return nil }
        let b = gt.models.first { $0.model == "baseline" }
        var out = "Against the true hierarchy the HSAE's features match with MCC \(n(h.mcc))" + (b.map { " (baseline \(n($0.mcc)))" } ?? "")
        if let f1 = h.edgeRecovery?.f1 { out += " and it recovers the true parent→child edges with F1 \(n(f1))" }
        return ([out + "."] + ReportVerdicts.parentDetection(gt)).joined(separator: " ")
    }

    static func probing(_ r: EvalReport) -> String? {
        let all = ReportVerdicts.levelIndex(r.probing)
        let verdicts = all.filter { $0.hasSuffix("as expected.") }
        guard !verdicts.isEmpty else { return nil }
        let wrong = verdicts.filter { $0.hasSuffix("NOT as expected.") }
        let names = wrong.compactMap { $0.split(separator: "'", omittingEmptySubsequences: false).dropFirst().first.map { "'\($0)'" } }
        return "Of \(all.count) label kinds with an expected level, \(verdicts.count) can be judged from probes on k ≤ 2 features, and "
            + "\(verdicts.count - wrong.count) of those sit at the expected level"
            + (names.isEmpty ? "." : " (not: \(names.joined(separator: ", "))).")
    }
}
