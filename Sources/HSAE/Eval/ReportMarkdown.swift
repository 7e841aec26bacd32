/// report.md: the headline table first (HSAE against baseline), then one section per part of
/// DESIGN §7, as plain Markdown tables.
enum ReportMarkdown {
    static func render(_ r: EvalReport) -> String {
        typealias H = ReportHeadline
        var out = ["# HSAE evaluation", "",
                   "run `\(r.run)`" + (r.baseline.map { ", baseline `\($0)`" } ?? ", no baseline")
                       + ", data `\(r.data)` (\(r.rows) rows, \(r.rowsSource)); report schema \(r.schemaVersion), hsae \(r.hsaeVersion).", ""]
        if let browser = r.browser { out += ["Feature browser: [\(browser)](\(browser))", ""] }
        for note in r.notes { out += ["> **Note.** \(note)", ""] }
        out += ["## Headline", ""] + table(["metric", "HSAE", "baseline"], H.rows(r).map { [$0.metric, $0.hsae, $0.baseline] })

        if !r.model.isEmpty {
            out += ["## Model", ""] + table(["key", "value"], r.model.keys.sorted().map { [$0, r.model[$0]!] })
        }
        out += ["## Reconstruction (§7.1)", ""] + table(["path", "FVU", "MSE", "cosine", "shrinkage ‖x̂‖/‖x‖"],
            r.reconstruction.map { [$0.name, H.number($0.fvu), H.number($0.mse), H.number($0.cosine), H.number($0.shrinkage)] })
        if let g = r.gate { out += ["Mean gate g: \(H.number(g.mean)) (histogram in report.html).", ""] }
        out += ["## Sparsity (§7.2)", ""] + table(["code", "latents", "L0", "sparsity", "target", "dead", "dead fraction"],
            r.sparsity.map { [$0.name, "\($0.latents)", H.number($0.meanL0), H.number($0.sparsity), H.number($0.targetSparsity),
                              "\($0.dead)", H.number($0.deadFraction)] })
        if let s = r.splicedFidelity { out += spliced(s) }
        if let h = r.hierarchy { out += hierarchy(h) }
        if !r.probing.isEmpty { out += probing(r.probing) }
        if !r.compression.isEmpty {
            out += ["## Compression (§7.5)", ""] + table(["code", "L0", "bits/token", "raw bits/token", "ratio", "FVU"],
                r.compression.map { [$0.name, H.number($0.meanL0), H.number($0.bitsPerToken), H.number($0.rawBitsPerToken),
                                     H.number($0.ratio), H.number($0.fvu)] })
        }
        if let a = r.ablations {
            out += ["## Ablations (§7.6)", ""] + table(["layer ablation", "ΔFVU"], a.layers.map { [$0.name, H.number($0.value)] })
            out += table(["latent", "layer", "ΔFVU when zeroed"], a.latents.map { ["\($0.latent)", $0.layer, H.number($0.deltaFvu)] })
            if !a.training.isEmpty {
                let names = Array(Set(a.training.flatMap { $0.values.map(\.name) })).sorted()
                out += table(["training ablation", "run"] + names, a.training.map { t in
                    [t.name, "`\(t.run)`"] + names.map { n in H.number(t.values.first { $0.name == n }?.value) } })
            }
        }
        if let gt = r.groundTruth { out += groundTruth(gt) }
        return out.joined(separator: "\n") + "\n"
    }

    static func spliced(_ s: SplicedFidelitySection) -> [String] {
        typealias H = ReportHeadline
        return ["## Spliced fidelity", "",
                "Each reconstruction replaces layer \(s.layer) of `\(s.languageModel)` for the content tokens of \(s.windows) windows "
                + "(\(s.tokens) tokens); the sentence embedding (mean-pooled, normalised) is compared with the model's own. "
                + "Retrieval agreement: the fraction of windows whose nearest other window stays the same (chance \(H.number(s.chanceAgreement))). "
                + "The windows were rebuilt from the rows' labels: recomputed layer \(s.layer) differs from the data set's rows by at most "
                + "\(H.number(s.rowDeviation)) (row RMS \(H.number(s.rowRMS))).", ""]
            + table(["spliced in", "mean cosine", "min cosine", "top-1 retrieval agreement"],
                    s.models.map { [SplicedFidelitySection.label($0.name), H.number($0.cosine), H.number($0.minCosine), H.number($0.retrievalAgreement)] })
    }

    static func hierarchy(_ h: HierarchySection) -> [String] {
        typealias H = ReportHeadline
        var out = ["## Feature correlation and hierarchy (§7.3)", "",
                   "Learned edges (top.W_dec ≥ \(H.number(h.edgeThreshold)) × row max): \(h.learnedEdges). "
                   + "Hierarchy consistency P(parent fires | child fires): \(H.number(h.hierarchyConsistency?.mean)) over \(h.hierarchyConsistency?.evaluated ?? 0) edges. "
                   + "Firing MI on edges: \(H.number(h.edgeMutualInformation?.mean)) bits; over all top×bottom pairs: \(H.number(h.meanMutualInformation)) bits. "
                   + "Parent/child geometry cos(d_child − u_parent, u_parent): \(H.number(h.parentChildGeometry)).", ""]
        out += table(["redundancy", "value"], h.redundancy.map { [$0.name, H.number($0.value)] })
        func list(_ v: [LatentValue]) -> String { v.map { "\($0.latent) (\(H.number($0.value)))" }.joined(separator: ", ") }
        out += table(["top latent", "frequency", "strongest bottom correlates (ρ)", "decoder children (weight)"],
                     h.topFeatures.map { ["\($0.latent)", H.number($0.frequency), list($0.correlates), list($0.children)] })
        return out
    }

    static func probing(_ results: [ProbeLabelResult]) -> [String] {
        typealias H = ReportHeadline
        var out = ["## Probing (§7.4)", "",
                   "Accuracy / macro-F1 on held-out rows; beside each, the majority-class and shuffled-label controls (chance).", ""]
        for p in results {
            out.append("### `\(p.label)`" + (p.level.map { " (expected level: \($0))" } ?? "")
                       + " — \(p.classes) classes, split by \(p.split)")
            out.append("")
            out += table(["code", "k", "accuracy", "macro-F1", "majority acc", "shuffled acc", "shuffled F1", "train/test"],
                p.scores.map { [$0.code, H.kName($0.k), H.number($0.accuracy), H.number($0.macroF1), H.number($0.majorityAccuracy),
                                H.number($0.shuffledAccuracy), H.number($0.shuffledMacroF1), "\($0.trainRows)/\($0.testRows)"] })
            out.append("Level index acc(top) − acc(bottom): "
                + p.levelIndex.map { "\(H.kName($0.k)) \(H.number($0.value))" }.joined(separator: ", "))
            out.append("")
        }
        return out
    }

    static func groundTruth(_ gt: GroundTruthSection) -> [String] {
        typealias H = ReportHeadline
        var out = ["## Ground truth (§7.7)", "",
                   "\(gt.features) true features: \(gt.parents) parents, \(gt.leaves) leaves, \(gt.edges) edges.", ""]
        out += table(["model", "MMCS parents", "MMCS leaves", "MMCS all", "MCC", "uniqueness", "precision", "recall", "F1",
                      "edge P/R/F1", "parents at top", "leaves at bottom", "absorption gap"],
            gt.models.map { m in [m.model, H.number(m.mmcsParents), H.number(m.mmcsLeaves), H.number(m.mmcsAll), H.number(m.mcc),
                H.number(m.uniqueness), H.number(m.meanPrecision), H.number(m.meanRecall), H.number(m.meanF1),
                m.edgeRecovery.map { "\(H.number($0.precision))/\(H.number($0.recall))/\(H.number($0.f1))" } ?? "—",
                H.number(m.levelAssignment?.parents), H.number(m.levelAssignment?.leaves), H.number(m.meanAbsorptionGap)] })
        out += ["Parent detection: the best Pearson ρ of any single latent with each true parent's activity.", ""]
        out += table(["true parent", "top latent", "bottom latent", "baseline latent"],
                     gt.parentDetection.map { ["\($0.parent)", H.number($0.top), H.number($0.bottom), H.number($0.baseline)] })
        return out
    }

    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        guard !rows.isEmpty else { return [] }
        func line(_ cells: [String]) -> String { "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
        return [line(header), line(header.map { _ in "---" })] + rows.map(line) + [""]
    }
}
