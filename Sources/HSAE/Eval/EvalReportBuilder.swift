/// Turns the reduced sums of `hsae eval` into the report's sections (DESIGN §7.1–3, §7.5–7),
/// on rank 0, with the colleague-built summaries (`summary(name:)`, `HierarchySummary`,
/// `CompressionPoint`, `GroundTruthScoring`, `ReportVerdicts`).
struct ReportBuilder {
    var report: EvalReport
    let inputs: EvalInputs
    let geometry: ModelGeometry
    let geometryB: ModelGeometry?
    let acc: EvalAccumulators

    init(inputs: EvalInputs, geometry: ModelGeometry, geometryB: ModelGeometry?, acc: EvalAccumulators, options: EvalDriver.Options) {
        self.inputs = inputs
        self.geometry = geometry
        self.geometryB = geometryB
        self.acc = acc
        report = EvalReport(run: inputs.run, baseline: inputs.baselineRun, data: inputs.data.path, rows: inputs.rows.count,
                            rowsSource: inputs.rowsSource)
        report.model = modelFacts()
        let mc = inputs.model.config
        report.reconstruction = [acc.full.summary(name: "full"), acc.skipOnly.summary(name: "skip_only"),
                                 acc.topOnly.summary(name: "top_only")] + (acc.baseline.map { [$0.summary(name: "baseline")] } ?? [])
        report.gate = geometry.gate.map { GateSummary(gate: $0) }
        let bottom = acc.bottom.summary(name: "bottom", targetSparsity: 1 - mc.bottom.target.density(latents: mc.m1))
        let top = acc.top.summary(name: "top", targetSparsity: mc.top.map { 1 - $0.target.density(latents: mc.m2) })
        let base = inputs.baseline.flatMap { b in
            acc.baselineCode?.summary(name: "baseline", targetSparsity: 1 - b.config.bottom.target.density(latents: b.config.m1))
        }
        report.sparsity = [bottom, top] + (base.map { [$0] } ?? [])
        report.hierarchy = hierarchy()
        report.compression = [
            CompressionPoint(name: "full", codes: [(bottom.meanL0, mc.m1), (top.meanL0, mc.m2)], d: mc.d, fvu: acc.full.fvu),
            CompressionPoint(name: "skip_only", codes: [(bottom.meanL0, mc.m1)], d: mc.d, fvu: acc.skipOnly.fvu),
            CompressionPoint(name: "top_only", codes: [(top.meanL0, mc.m2)], d: mc.d, fvu: acc.topOnly.fvu),
        ] + (base.map { [CompressionPoint(name: "baseline", codes: [($0.meanL0, $0.latents)], d: mc.d, fvu: acc.baseline?.fvu)] } ?? [])
        report.ablations = ablations(listed: options.ablationsListed)
    }

    /// Facts a reader needs beside the numbers (strings, as the schema has them).
    func modelFacts() -> [String: String] {
        let mc = inputs.model.config
        var facts = ["d": "\(mc.d)", "m1": "\(mc.m1)", "m2": "\(mc.m2)", "gate": mc.gate.rawValue,
                     "bottom_activation": mc.bottom.activation.rawValue, "bottom_target": mc.bottom.target.description,
                     "input_scale": "\(inputs.model.inputScale)", "top_decoder_non_negative": "\(mc.topDecoderNonNegative)",
                     "evaluation_rows": "\(inputs.rows.lowerBound)..<\(inputs.rows.upperBound)"]
        if let top = mc.top {
            facts["top_activation"] = top.activation.rawValue
            facts["top_target"] = top.target.description
        }
        if let record = try? RunRecord.read(run: inputs.run) {
            let c = record.config
            facts["steps"] = c.phaseSteps.map(String.init).joined(separator: ",")
            facts["phased"] = "\(c.phased)"
            facts["disabled_terms"] = c.disabledTerms.joined(separator: ",")
            facts["seed"] = "\(c.seed)"
            facts["lr"] = "\(c.lr)"
        }
        if let b = inputs.baseline?.config {
            facts["baseline_latents"] = "\(b.m1)"
            facts["baseline_activation"] = b.bottom.activation.rawValue
            facts["baseline_target"] = b.bottom.target.description
            facts["baseline_input_scale"] = "\(inputs.baseline!.inputScale)"
        }
        return facts
    }

    func hierarchy() -> HierarchySection {
        let w2 = geometry.topDecoder!
        var redundancy = [NamedValue(name: "bottom/decoder", value: DictionaryGeometry.decoderRedundancy(geometry.bottomDecoder)),
                          NamedValue(name: "bottom/firing", value: DictionaryGeometry.offDiagonalMeanMax(acc.bottomSelf.pearson())),
                          NamedValue(name: "top/decoder", value: DictionaryGeometry.decoderRedundancy(w2)),
                          NamedValue(name: "top/firing", value: DictionaryGeometry.offDiagonalMeanMax(acc.topSelf.pearson()))]
        if let geometryB, let firing = acc.baselineSelf {
            redundancy += [NamedValue(name: "baseline/decoder", value: DictionaryGeometry.decoderRedundancy(geometryB.bottomDecoder)),
                           NamedValue(name: "baseline/firing", value: DictionaryGeometry.offDiagonalMeanMax(firing.pearson()))]
        }
        return HierarchySummary.section(correlation: acc.correlation.pearson(), firing: acc.firing, topDecoder: w2,
                                        bottomDecoder: geometry.bottomDecoder, topFrequencies: acc.top.frequencies, redundancy: redundancy)
    }

    /// Layer ablations against the full model, and the latents whose zero-ablation costs most.
    func ablations(listed: Int) -> AblationSection {
        var section = AblationSection()
        let full = acc.full.fvu
        func delta(_ stats: ReconstructionStats) -> Double? { stats.fvu.flatMap { a in full.map { a - $0 } } }
        section.layers = [NamedValue(name: "skip_only", value: delta(acc.skipOnly)), NamedValue(name: "top_only", value: delta(acc.topOnly))]
        var latents = acc.ablateBottom.strongest(listed, sst: acc.full.sst, layer: "bottom")
            + acc.ablateTop.strongest(listed, sst: acc.full.sst, layer: "top")
        if let ablate = acc.ablateBaseline, let stats = acc.baseline {
            latents += ablate.strongest(listed, sst: stats.sst, layer: "baseline")
        }
        section.latents = Array(latents.sorted {
            $0.deltaFvu > $1.deltaFvu || ($0.deltaFvu == $1.deltaFvu && ($0.layer, $0.latent) < ($1.layer, $1.latent))
        }.prefix(listed))
        return section
    }

    mutating func addGroundTruth(_ setup: GroundTruthSetup?) {
        guard let setup, let sums = acc.groundTruth else { return }
        report.groundTruth = setup.section(sums)
        if setup.truth.parentDirections == nil {
            report.notes.append("Geometry B: true parents have no direction of their own; MMCS, MCC, level assignment and the "
                + "parent latents use the unit mean of each parent's children's directions in their place.")
        }
    }

    /// The report with its plain verdicts (warnings first).
    func finished() -> EvalReport {
        var out = report
        let fits = out.probing.flatMap(\.scores)
        let stopped = fits.filter { $0.converged == false }.count
        var notes = inputs.warnings + out.notes
        if stopped > 0 {
            notes.append("\(stopped) of \(fits.count) probe fits stopped at the iteration cap before converging (converged: false).")
        }
        notes += ReportVerdicts.levelIndex(out.probing) + (out.groundTruth.map(ReportVerdicts.parentDetection) ?? [])
        out.notes = notes
        return out
    }
}
