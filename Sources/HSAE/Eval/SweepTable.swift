import Foundation

/// The table of `hsae sweep`: one row per trained run (variant × seed), read from the runs'
/// reports, and with several seeds a mean ± standard deviation per variant. Written as
/// sweep.md and sweep.json; the rows also go into the full run's report as
/// `ablations.training`.
public struct SweepTable: Codable, Equatable, Sendable {
    public struct Column: Codable, Equatable, Sendable {
        public var key: String
        public var title: String
    }

    public struct Row: Codable, Equatable, Sendable {
        public var variant: String
        /// nil for a summary row (mean over seeds).
        public var seed: UInt64?
        public var run: String
        public var values: [NamedValue]
        /// Summary rows: the standard deviation over seeds per column (nil with one seed).
        public var spread: [NamedValue]?

        public func value(_ key: String) -> Double? { values.first { $0.name == key }?.value }
    }

    public var data: String
    public var columns: [Column]
    public var rows: [Row] = []
    public var summary: [Row] = []

    /// Columns, in table order: reconstruction, sparsity, hierarchy, ground truth, probing.
    public static let standardColumns: [Column] = [
        ("fvu", "FVU"), ("fvu_skip_only", "FVU skip-only"), ("fvu_top_only", "FVU top-only"), ("l0", "L0"),
        ("dead_fraction", "dead"), ("gate_mean", "mean gate"), ("hierarchy_consistency", "P(parent fires ∣ child fires)"),
        ("mmcs_parents", "MMCS parents"), ("mmcs_leaves", "MMCS leaves"), ("mcc", "MCC"), ("uniqueness", "uniqueness"),
        ("edge_f1", "edge F1"), ("level_parents", "parents at top"), ("parent_rho", "parent ρ (top / baseline)"),
        ("parent_rho_bottom", "parent ρ (bottom)"), ("absorption_gap", "absorption gap"),
        ("level_index_parent", "level index, parent labels (k ≤ 2)"), ("level_index_child", "level index, child labels (k ≤ 2)"),
    ].map { Column(key: $0.0, title: $0.1) }

    public init(data: String, columns: [Column] = SweepTable.standardColumns) {
        self.data = data
        self.columns = columns
    }

    /// A row from a report: the HSAE's numbers, or (`baseline: true`) the baseline's numbers in the same report.
    public static func row(variant: String, seed: UInt64, run: String, report r: EvalReport, baseline: Bool = false) -> Row {
        let gt = r.groundTruth, model = gt?.models.first { $0.model == (baseline ? "baseline" : "hsae") }
        let detection = gt?.parentDetection ?? []
        var v: [String: Double?] = [
            "mmcs_parents": model?.mmcsParents, "mmcs_leaves": model?.mmcsLeaves, "mcc": model?.mcc,
            "uniqueness": model?.uniqueness, "absorption_gap": model?.meanAbsorptionGap,
        ]
        if baseline {
            v["fvu"] = r.fvu("baseline")
            v["l0"] = r.code("baseline")?.meanL0
            v["dead_fraction"] = r.code("baseline")?.deadFraction
            v["parent_rho"] = ReportHeadline.mean(detection.map(\.baseline))
        } else {
            v["fvu"] = r.fvu("full")
            v["fvu_skip_only"] = r.fvu("skip_only")
            v["fvu_top_only"] = r.fvu("top_only")
            v["l0"] = r.layersMeanL0 ?? 0
            v["dead_fraction"] = r.layersDeadFraction
            v["gate_mean"] = r.gate?.mean
            v["hierarchy_consistency"] = r.hierarchy?.hierarchyConsistency?.mean
            v["edge_f1"] = model?.edgeRecovery?.f1
            v["level_parents"] = model?.levelAssignment?.parents
            v["parent_rho"] = ReportHeadline.mean(detection.map(\.top))
            v["parent_rho_bottom"] = ReportHeadline.mean(detection.map(\.bottom))
            v["level_index_parent"] = levelIndex(r, levels: ReportVerdicts.topLevels)
            v["level_index_child"] = levelIndex(r, levels: ReportVerdicts.bottomLevels)
        }
        return Row(variant: variant, seed: seed, run: run,
                   values: standardColumns.map { NamedValue(name: $0.key, value: v[$0.key] ?? nil) })
    }

    /// Mean level index at k ≤ 2 over the label kinds of the given levels.
    static func levelIndex(_ r: EvalReport, levels: Set<String>) -> Double? {
        let values = r.probing.filter { levels.contains($0.level ?? "") }
            .flatMap { $0.levelIndex.filter { ($0.k ?? Int.max) <= 2 }.map(\.value) }
        return ReportHeadline.mean(values)
    }

    /// Adds the per-variant mean (and standard deviation over seeds) of the rows.
    public mutating func summarise() {
        let variants = rows.map(\.variant).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        summary = variants.map { name in
            let own = rows.filter { $0.variant == name }
            func stats(_ key: String) -> (Double?, Double?) {
                let xs = own.compactMap { $0.value(key) }
                guard let mean = ReportHeadline.mean(xs) else { return (nil, nil) }
                guard xs.count > 1 else { return (mean, nil) }
                let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count - 1)
                return (mean, variance.squareRoot())
            }
            let values = columns.map { c in (c.key, stats(c.key)) }
            return Row(variant: name, seed: nil, run: own.map(\.run).joined(separator: ", "),
                       values: values.map { NamedValue(name: $0.0, value: $0.1.0) },
                       spread: values.map { NamedValue(name: $0.0, value: $0.1.1) })
        }
    }

    public func markdown() -> String {
        var lines = ["# Training ablations (hsae sweep)", "", "Data: `\(data)`. One row per run; numbers from each run's "
                     + "report (held-out rows). Baseline columns that do not apply are —.", ""]
        func table(_ rows: [Row], withSeed: Bool) {
            let head = ["variant"] + (withSeed ? ["seed"] : []) + columns.map(\.title)
            lines.append("| " + head.joined(separator: " | ") + " |")
            lines.append("|" + String(repeating: " --- |", count: head.count))
            for row in rows {
                let cells = columns.map { c -> String in
                    let mean = ReportHeadline.number(row.value(c.key))
                    guard let sd = row.spread?.first(where: { $0.name == c.key })?.value else { return mean }
                    return mean + " ± " + ReportHeadline.number(sd)
                }
                lines.append("| " + ([row.variant] + (withSeed ? [row.seed.map(String.init) ?? ""] : []) + cells).joined(separator: " | ") + " |")
            }
        }
        table(rows, withSeed: true)
        if Set(rows.compactMap(\.seed)).count > 1 {
            lines += ["", "Mean ± standard deviation over seeds:", ""]
            table(summary, withSeed: false)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func jsonData() throws -> Data {
        try JSONFormat.encoder(.report).encode(self)
    }

    /// The rows as the report's `ablations.training` entries.
    public var trainingAblations: [TrainingAblation] {
        rows.map { TrainingAblation(name: $0.variant, run: $0.run, values: $0.values) }
    }
}
