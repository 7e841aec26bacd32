import Foundation

extension Inspector {
    /// A data set directory: size, shards, label kinds with class frequencies, ground truth,
    /// evaluation split, and E‖x‖² from a sample of rows.
    static func describeDataset(path: String) throws -> [String] {
        let data = try ActivationDataset(path: path)
        let m = data.manifest
        let hasManifest = FileManager.default.fileExists(atPath: path + "/" + DatasetManifest.fileName)
        var lines = ["data set \(path) (" + (hasManifest ? DatasetManifest.fileName : "no \(DatasetManifest.fileName): bare directory of shards") + ")"]
        lines.append("  d = \(data.d), \(data.rows) rows, \(data.shards.count) shard(s)")
        lines += shardLines(data)
        if let provenance = m.provenance, !provenance.isEmpty {
            let items = provenance.keys.sorted().filter { $0 != "config" && $0 != "true_l0" }
            lines.append("  provenance: " + items.map { "\($0)=\(abbreviated(provenance[$0]!, limit: 40))" }.joined(separator: ", "))
        }
        lines += labelLines(data)
        if m.groundTruth != nil {
            lines += groundTruthLines(try GroundTruth(datasetPath: path))
        }
        let split = data.evaluationSplit()
        let percent = 100 * Double(split.count) / Double(data.rows)
        lines.append("  eval split: rows \(split.lowerBound)..<\(split.upperBound) (\(split.count) rows, \(String(format: "%.1f", percent))%"
            + (data.labelKinds.contains { $0.name == "doc_id" } ? ", whole documents)" : ", last rows)"))
        lines += try sampleLines(data)
        return lines
    }

    /// One line per shard (the first 3 and the last 2 when there are many).
    static func shardLines(_ data: ActivationDataset) -> [String] {
        let shards = data.manifest.shards
        let width = shards.map(\.file.count).max() ?? 0
        func line(_ i: Int) -> String {
            let s = shards[i]
            let extras = [s.labels.map { _ in "labels" }, s.truth.map { _ in "truth" }].compactMap { $0 }
            return "    " + s.file.padding(toLength: width, withPad: " ", startingAt: 0)
                + "  \(data.shards[i].dtype.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0))  \(s.rows) rows"
                + (extras.isEmpty ? "" : "  + " + extras.joined(separator: ", "))
        }
        guard shards.count > 6 else { return shards.indices.map(line) }
        return (0..<3).map(line) + ["    … \(shards.count - 5) more"] + (shards.count - 2 ..< shards.count).map(line)
    }

    /// One line per label kind: its classes and their frequencies (the 5 most frequent), over
    /// all rows, or over `sampleLimit` evenly spaced rows in a larger data set.
    static func labelLines(_ data: ActivationDataset, sampleLimit: Int = 1_000_000) -> [String] {
        let kinds = data.labelKinds
        guard !kinds.isEmpty else { return ["  labels: none"] }
        let n = min(data.rows, sampleLimit)
        var lines = ["  labels: \(kinds.count) kind(s)" + (n < data.rows ? ", frequencies from \(n) evenly spaced rows" : "")]
        let chunk = 65_536
        for (k, kind) in kinds.enumerated() {
            var counts: [Int: Int] = [:]
            for start in stride(from: 0, to: n, by: chunk) {
                let rows = (start ..< min(n, start + chunk)).map { $0 * data.rows / n }
                for v in data.labels(kind: k, rows: rows) { counts[v, default: 0] += 1 }
            }
            let level = kind.level.map { " [\($0)]" } ?? ""
            guard let classes = kind.classes else {
                lines.append("    \(kind.name)\(level): \(counts.keys.filter { $0 >= 0 }.count) distinct values")
                continue
            }
            let ranked = counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            let shown = ranked.prefix(5).map { (value, count) -> String in
                let name = value < 0 ? "missing" : value < classes.count ? classes[value] : "?\(value)"
                return "\(name) \(String(format: "%.1f", 100 * Double(count) / Double(n)))%"
            }
            let more = ranked.count > 5 ? ", … \(ranked.count - 5) more" : ""
            lines.append("    \(kind.name)\(level): \(classes.count) classes; " + shown.joined(separator: ", ") + more)
        }
        return lines
    }

    static func groundTruthLines(_ truth: GroundTruth) -> [String] {
        let c = truth.config
        let l = truth.layout
        let l0 = truth.trueL0
        let directions = (0..<l.featureCount).filter(l.hasDirection).count
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        return [
            "  ground truth: geometry \(c.geometry.rawValue), \(c.childMode.rawValue) children, seed \(c.seed), noise σ = \(format(c.noise))",
            "    \(l.roots) roots × \(l.children) children + \(l.singletons) singletons = \(l.featureCount) true features, "
                + "\(directions) directions in d = \(c.d)",
            "    true mean L0: parents \(f(l0.parents)), children \(f(l0.children)), singletons \(f(l0.singletons)), "
                + "leaves \(f(l0.leaves)), directions \(f(l0.directions))",
        ]
    }

    /// Row 0 and E‖x‖² over up to 1024 evenly spaced rows (what the input scale c is made from).
    static func sampleLines(_ data: ActivationDataset) throws -> [String] {
        let n = min(1024, data.rows)
        let rows = (0..<n).map { $0 * data.rows / n }
        let x = try data.read(rows: rows)
        let squared = x.rowNorms().reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n)
        return ["  row 0: " + rowStats(x.row(0)),
                "  E‖x‖² = \(format(squared)) over \(n) rows (E‖x‖²/d = \(format(squared / Double(data.d))))"]
    }
}
