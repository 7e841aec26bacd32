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
        report = EvalReport(run: inputs.run.path, baseline: inputs.baselineRun?.path, data: inputs.data.path, rows: inputs.rows.count,
                            rowsSource: inputs.rowsSource)
        report.model = modelFacts()
        let mc = inputs.model.config, architecture = geometry.architecture, layers = architecture.layers
        let paths = architecture.reportedPaths
        report.reconstruction = zip(paths, acc.paths).map { $1.summary(name: $0.name) }
            + (acc.comparator.map { [$0.summary(name: "baseline")] } ?? [])
        report.gate = geometry.gate.map { GateSummary(gate: $0) }
        let codes = zip(layers, acc.codes).map { layer, stats in
            stats.summary(name: layer.name, targetSparsity: 1 - layer.spec.target.density(latents: layer.latents))
        }
        let base = inputs.baseline.flatMap { b in
            acc.comparatorCode?.summary(name: "baseline", targetSparsity: 1 - b.config.layers[0].spec.target.density(latents: b.config.layers[0].latents))
        }
        report.sparsity = codes + (base.map { [$0] } ?? [])
        report.hierarchy = hierarchy()
        report.compression = zip(paths, acc.paths).map { path, stats in
            CompressionPoint(name: path.name, codes: path.codes.map { (codes[$0].meanL0, layers[$0].latents) }, d: mc.d, fvu: stats.fvu)
        } + (base.map { [CompressionPoint(name: "baseline", codes: [($0.meanL0, $0.latents)], d: mc.d, fvu: acc.comparator?.fvu)] } ?? [])
        report.ablations = ablations(listed: options.ablationsListed)
    }

    /// Facts a reader needs beside the numbers (strings, as the schema has them): per layer its
    /// width (m1, m2, …), activation and target; the model type's own facts (`reportFacts`).
    func modelFacts() -> [String: String] {
        let mc = inputs.model.config
        var facts = ["d": "\(mc.d)", "input_scale": "\(inputs.model.inputScale)",
                     "evaluation_rows": "\(inputs.rows.lowerBound)..<\(inputs.rows.upperBound)"]
        for layer in mc.layers {
            facts["m\(layer.index + 1)"] = "\(layer.latents)"
            facts["\(layer.name)_activation"] = layer.spec.activation.rawValue
            facts["\(layer.name)_target"] = layer.spec.target.description
        }
        facts.merge(mc.architecture.reportFacts) { own, _ in own }
        if let record = try? inputs.run.resolved() {
            let c = record.config
            facts["steps"] = c.phaseSteps.map(String.init).joined(separator: ",")
            facts["phased"] = "\(c.phased)"
            facts["disabled_terms"] = c.disabledTerms.joined(separator: ",")
            facts["seed"] = "\(c.seed)"
            facts["lr"] = "\(c.lr)"
        }
        if let b = inputs.baseline {
            let layer = b.config.layers[0]
            facts["baseline_latents"] = "\(layer.latents)"
            facts["baseline_activation"] = layer.spec.activation.rawValue
            facts["baseline_target"] = layer.spec.target.description
            facts["baseline_input_scale"] = "\(b.inputScale)"
        }
        return facts
    }

    /// Redundancy per layer (its decoder's, its firing's), the comparator's, and the first
    /// weighted edge's hierarchy (HierarchySummary).
    func hierarchy() -> HierarchySection? {
        let layers = geometry.architecture.layers
        var redundancy: [NamedValue] = []
        for (l, layer) in layers.enumerated() {
            redundancy += [NamedValue(name: "\(layer.name)/decoder", value: DictionaryGeometry.decoderRedundancy(geometry.decoders[l])),
                           NamedValue(name: "\(layer.name)/firing", value: DictionaryGeometry.offDiagonalMeanMax(acc.selfFiring[l].pearson()))]
        }
        if let geometryB, let firing = acc.comparatorSelf {
            redundancy += [NamedValue(name: "baseline/decoder", value: DictionaryGeometry.decoderRedundancy(geometryB.decoders[0])),
                           NamedValue(name: "baseline/firing", value: DictionaryGeometry.offDiagonalMeanMax(firing.pearson()))]
        }
        guard let first = geometry.firstWeightedEdge else { return nil }
        let (k, edge, w) = first
        return HierarchySummary.section(correlation: acc.correlation[k].pearson(), firing: acc.firing[k], edgeWeights: w,
                                        childDirections: geometry.inputDirections[edge.child],
                                        parentFrequencies: acc.codes[edge.parent].frequencies, redundancy: redundancy,
                                        names: HierarchySummary.Names(parent: layers[edge.parent], child: layers[edge.child]))
    }

    /// Each other path's ablation against the full model, and the latents whose zero-ablation costs most.
    func ablations(listed: Int) -> AblationSection {
        var section = AblationSection()
        let full = acc.paths[0].fvu, sst = acc.paths[0].sst
        func delta(_ stats: ReconstructionStats) -> Double? { stats.fvu.flatMap { a in full.map { a - $0 } } }
        section.layers = zip(geometry.architecture.reportedPaths, acc.paths).dropFirst().map { NamedValue(name: $0.name, value: delta($1)) }
        var latents = zip(geometry.architecture.layers, acc.ablations).flatMap { layer, ablate in
            ablate.strongest(listed, sst: sst, layer: layer.name)
        }
        if let ablate = acc.ablateComparator, let stats = acc.comparator {
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
