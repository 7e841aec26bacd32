/// The report's blocks in reading order: what it says and the headline first, then the notes,
/// then one section per part of DESIGN §7 with its plots, the model's facts last.
enum ReportSections {
    typealias H = ReportHeadline

    static func blocks(_ r: EvalReport) -> [ReportBlock] {
        var out: [ReportBlock] = [.heading(1, "HSAE evaluation"),
            .paragraph("run `\(r.run)`" + (r.baseline.map { ", baseline `\($0)`" } ?? ", no baseline")
                + ", data `\(r.data)` (\(r.rows) rows, \(r.rowsSource)); report schema \(r.schemaVersion), hsae \(r.hsaeVersion).")]
        let summary = ReportSummary.sentences(r)
        if !summary.isEmpty { out.append(.summary(summary.joined(separator: " "))) }
        out += [.heading(2, "Headline"), .table(header: ["metric", "HSAE", "baseline"], rows: H.rows(r).map { [$0.metric, $0.hsae, $0.baseline] })]
        if let browser = r.browser {
            out.append(.link(prefix: "Feature browser: ", text: "every latent with its examples, every top latent with its children", href: browser))
        }
        if !r.notes.isEmpty { out += [.heading(2, "Notes")] + r.notes.map { .note($0) } }
        if let s = r.splicedFidelity { out += spliced(s) }
        out += reconstruction(r) + sparsity(r)
        if let h = r.hierarchy { out += hierarchy(h) }
        if !r.probing.isEmpty { out += probing(r.probing) }
        out += compression(r) + ablations(r)
        if let gt = r.groundTruth { out += groundTruth(gt) }
        if !r.model.isEmpty {
            out += [.heading(2, "Model"), .table(header: ["key", "value"], rows: r.model.keys.sorted().map { [$0, r.model[$0]!] })]
        }
        return out
    }

    static func spliced(_ s: SplicedFidelitySection) -> [ReportBlock] {
        [.heading(2, "Spliced fidelity"),
         .paragraph("Each reconstruction replaces layer \(s.layer) of `\(s.languageModel)` for the content tokens of \(s.windows) windows "
            + "(\(s.tokens) tokens); the sentence embedding (mean-pooled, normalised) is compared with the model's own. "
            + "Retrieval agreement: the fraction of windows whose nearest other window stays the same (chance \(H.number(s.chanceAgreement))). "
            + "The windows were rebuilt from the rows' labels: recomputed layer \(s.layer) differs from the data set's rows by at most "
            + "\(H.number(s.rowDeviation)) (row RMS \(H.number(s.rowRms)))."),
         .table(header: ["spliced in", "mean cosine", "min cosine", "top-1 retrieval agreement"],
                rows: s.models.map { [SplicedFidelitySection.label($0.name), H.number($0.cosine), H.number($0.minCosine),
                                      H.number($0.retrievalAgreement)] })]
    }

    static func reconstruction(_ r: EvalReport) -> [ReportBlock] {
        var out: [ReportBlock] = [.heading(2, "Reconstruction (§7.1)"),
            .table(header: ["path", "FVU", "MSE", "cosine", "shrinkage ‖x̂‖/‖x‖"],
                   rows: r.reconstruction.map { [$0.name, H.number($0.fvu), H.number($0.mse), H.number($0.cosine), H.number($0.shrinkage)] })]
        if let g = r.gate {
            out.append(.paragraph("Mean gate g: \(H.number(g.mean))."))
            out += ReportPlots.gate(g)
        }
        return out
    }

    static func sparsity(_ r: EvalReport) -> [ReportBlock] {
        guard !r.sparsity.isEmpty else { return [] }
        return [.heading(2, "Sparsity (§7.2)"),
                .table(header: ["code", "latents", "L0", "sparsity", "target", "dead", "dead fraction"],
                       rows: r.sparsity.map { [$0.name, "\($0.latents)", H.number($0.meanL0), H.number($0.sparsity), H.number($0.targetSparsity),
                                               "\($0.dead)", H.number($0.deadFraction)] })] + ReportPlots.frequencies(r.sparsity)
    }

    static func hierarchy(_ h: HierarchySection) -> [ReportBlock] {
        func list(_ v: [LatentValue]) -> String { v.map { "\($0.latent) (\(H.number($0.value)))" }.joined(separator: ", ") }
        var out: [ReportBlock] = [.heading(2, "Feature correlation and hierarchy (§7.3)"),
            .paragraph("Learned edges (top.W_dec ≥ \(H.number(h.edgeThreshold)) × row max): \(h.learnedEdges). "
                + "Hierarchy consistency P(parent fires | child fires): \(H.number(h.hierarchyConsistency?.mean)) over \(h.hierarchyConsistency?.evaluated ?? 0) edges. "
                + "Firing MI on edges: \(H.number(h.edgeMutualInformation?.mean)) bits; over all top×bottom pairs: \(H.number(h.meanMutualInformation)) bits. "
                + "Parent/child geometry cos(d_child − u_parent, u_parent): \(H.number(h.parentChildGeometry))."),
            .table(header: ["redundancy", "value"], rows: h.redundancy.map { [$0.name, H.number($0.value)] })]
        if let map = h.heatmap { out += ReportPlots.heatmap(map) }
        out.append(.table(header: ["top latent", "frequency", "strongest bottom correlates (ρ)", "decoder children (weight)"],
                          rows: h.topFeatures.map { ["\($0.latent)", H.number($0.frequency), list($0.correlates), list($0.children)] }))
        return out
    }

    static func probing(_ results: [ProbeLabelResult]) -> [ReportBlock] {
        var out: [ReportBlock] = [.heading(2, "Probing (§7.4)"),
            .paragraph("Accuracy / macro-F1 on held-out rows; beside each, the majority-class and shuffled-label controls (chance).")]
        for p in results {
            out.append(.heading(3, "`\(p.label)`" + (p.level.map { " (expected level: \($0))" } ?? "") + " — \(p.classes) classes, split by \(p.split)"))
            out += ReportPlots.probe(p)
            out.append(.table(header: ["code", "k", "accuracy", "macro-F1", "majority acc", "shuffled acc", "shuffled F1", "train/test"],
                rows: p.scores.map { [$0.code, H.kName($0.k), H.number($0.accuracy), H.number($0.macroF1), H.number($0.majorityAccuracy),
                                      H.number($0.shuffledAccuracy), H.number($0.shuffledMacroF1), "\($0.trainRows)/\($0.testRows)"] }))
            out.append(.paragraph("Level index acc(top) − acc(bottom): "
                + p.levelIndex.map { "\(H.kName($0.k)) \(H.number($0.value))" }.joined(separator: ", ")))
            if let b = p.baselineLevelIndex {
                out.append(.paragraph("Matryoshka level index acc(prefix) − acc(rest): "
                    + b.map { "\(H.kName($0.k)) \(H.number($0.value))" }.joined(separator: ", ")))
            }
        }
        return out
    }

    static func compression(_ r: EvalReport) -> [ReportBlock] {
        guard !r.compression.isEmpty else { return [] }
        return [.heading(2, "Compression (§7.5)")] + ReportPlots.rate(r.compression)
            + [.table(header: ["code", "L0", "bits/token", "raw bits/token", "ratio", "FVU"],
                      rows: r.compression.map { [$0.name, H.number($0.meanL0), H.number($0.bitsPerToken), H.number($0.rawBitsPerToken),
                                                 H.number($0.ratio), H.number($0.fvu)] })]
    }

    static func ablations(_ r: EvalReport) -> [ReportBlock] {
        guard let a = r.ablations else { return [] }
        var out: [ReportBlock] = [.heading(2, "Ablations (§7.6)"),
            .table(header: ["layer ablation", "ΔFVU"], rows: a.layers.map { [$0.name, H.number($0.value)] }),
            .table(header: ["latent", "layer", "ΔFVU when zeroed"], rows: a.latents.map { ["\($0.latent)", $0.layer, H.number($0.deltaFvu)] })]
        if !a.training.isEmpty {
            let names = Array(Set(a.training.flatMap { $0.values.map(\.name) })).sorted()
            out.append(.table(header: ["training ablation", "run"] + names, rows: a.training.map { t in
                [t.name, "`\(t.run)`"] + names.map { n in H.number(t.values.first { $0.name == n }?.value) } }))
        }
        return out
    }

    static func groundTruth(_ gt: GroundTruthSection) -> [ReportBlock] {
        [.heading(2, "Ground truth (§7.7)"),
         .paragraph("\(gt.features) true features: \(gt.parents) parents, \(gt.leaves) leaves, \(gt.edges) edges."),
         .table(header: ["model", "MMCS parents", "MMCS leaves", "MMCS all", "MCC", "uniqueness", "precision", "recall", "F1",
                         "edge P/R/F1", "parents at top", "leaves at bottom", "absorption gap"],
                rows: gt.models.map { m in [m.model, H.number(m.mmcsParents), H.number(m.mmcsLeaves), H.number(m.mmcsAll), H.number(m.mcc),
                    H.number(m.uniqueness), H.number(m.meanPrecision), H.number(m.meanRecall), H.number(m.meanF1),
                    m.edgeRecovery.map { "\(H.number($0.precision))/\(H.number($0.recall))/\(H.number($0.f1))" } ?? "—",
                    H.number(m.levelAssignment?.parents), H.number(m.levelAssignment?.leaves), H.number(m.meanAbsorptionGap)] })]
            + ReportPlots.absorption(gt)
            + [.paragraph("Parent detection: the best Pearson ρ of any single latent with each true parent's activity."),
               .table(header: ["true parent", "top latent", "bottom latent", "baseline latent"],
                      rows: gt.parentDetection.map { ["\($0.parent)", H.number($0.top), H.number($0.bottom), H.number($0.baseline)] })]
    }
}
