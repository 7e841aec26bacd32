import Foundation

/// The numbers a reader looks at first, HSAE against baseline, shared by report.md and
/// report.html so that both show the same table.
enum ReportHeadline {
    struct Row {
        var metric: String
        var hsae: String
        var baseline: String
    }

    static func rows(_ r: EvalReport) -> [Row] {
        var rows: [Row] = []
        func add(_ metric: String, _ hsae: Double?, _ baseline: Double?) {
            if hsae != nil || baseline != nil { rows.append(Row(metric: metric, hsae: number(hsae), baseline: number(baseline))) }
        }
        add("FVU (full model / baseline)", r.fvu("full"), r.fvu("baseline"))
        add("FVU top-only (g ≡ 0)", r.fvu("top_only"), nil)
        add("FVU skip-only (g ≡ 1)", r.fvu("skip_only"), nil)
        add("L0 (\(r.layerNamesJoined) / baseline)", r.layersMeanL0, r.code("baseline")?.meanL0)
        add("dead latents (fraction)", r.layersDeadFraction, r.code("baseline")?.deadFraction)
        if let s = r.splicedFidelity {
            add("spliced: sentence-embedding cosine", s.score("full")?.cosine, s.score("baseline")?.cosine)
            add("spliced: top-1 retrieval agreement", s.score("full")?.retrievalAgreement, s.score("baseline")?.retrievalAgreement)
            add("spliced, zero-ablation floor: cosine", s.score("zero_ablation")?.cosine, nil)
        }
        add("bits per token", r.compression.first { $0.name == "full" }?.bitsPerToken,
            r.compression.first { $0.name == "baseline" }?.bitsPerToken)
        if let gt = r.groundTruth {
            let h = gt.models.first { $0.model == "hsae" }, b = gt.models.first { $0.model == "baseline" }
            add("MMCS, true parents", h?.mmcsParents, b?.mmcsParents)
            add("MMCS, true leaves", h?.mmcsLeaves, b?.mmcsLeaves)
            add("MCC (Hungarian)", h?.mcc, b?.mcc)
            add("uniqueness", h?.uniqueness, b?.uniqueness)
            add("firing F1 of matched latents", h?.meanF1, b?.meanF1)
            add("edge recovery F1", h?.edgeRecovery?.f1, b?.edgeRecovery?.f1)
            add("level assignment: parents at top", h?.levelAssignment?.parents, b?.levelAssignment?.parents)
            add("level assignment: leaves at bottom", h?.levelAssignment?.leaves, b?.levelAssignment?.leaves)
            add("parent detection: mean best ρ (top latent / baseline latent)",
                mean(gt.parentDetection.map(\.top)), mean(gt.parentDetection.map(\.baseline)))
            add("parent detection: mean best ρ of a bottom latent", mean(gt.parentDetection.map(\.bottom)), nil)
            add("mean absorption gap", h?.meanAbsorptionGap, b?.meanAbsorptionGap)
        }
        return rows
    }

    static func mean(_ values: [Double?]) -> Double? {
        let defined = values.compactMap { $0 }
        return defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count)
    }

    /// Four significant digits, "—" when undefined.
    static func number(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "—" }
        if v == v.rounded(), abs(v) < 1e7 { return String(Int(v)) }
        return abs(v) >= 1e-3 && abs(v) < 1e5 ? String(format: "%.4g", v) : String(format: "%.3e", v)
    }

    /// The display name of a k: "all" or "k=2".
    static func kName(_ k: Int?) -> String { k.map { "k=\($0)" } ?? "all" }
}
