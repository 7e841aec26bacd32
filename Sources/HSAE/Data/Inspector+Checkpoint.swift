import Foundation

extension Inspector {
    /// A checkpoint directory: every `.safetensors` file's tensors and metadata, and `state.json`
    /// pretty-printed.
    static func describeCheckpoint(path: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted()
        var lines = ["checkpoint \(path): " + names.joined(separator: ", ")]
        // The model first: it is what a reader came for; optimizer moments mirror its tensors.
        let others = names.filter { $0.hasSuffix(".safetensors") && $0 != "model.safetensors" }
        let tensorFiles = (names.contains("model.safetensors") ? ["model.safetensors"] : []) + others
        for name in tensorFiles {
            let limit = name == "model.safetensors" ? 40 : 6
            lines += try describeSafeTensors(path: path + "/" + name, limit: limit).map { "  " + $0 }
        }
        if names.contains("state.json") {
            lines.append("  state.json:")
            lines += try prettyJSON(path: path + "/state.json").map { "    " + $0 }
        }
        return lines
    }

    /// A run directory: its checkpoints, then the newest one described.
    static func describeRun(path: String) throws -> [String] {
        let dir = path + "/checkpoints"
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") && $0 != "latest" }.sorted()
        var lines = ["run \(path): \(entries.count) checkpoint(s): " + entries.joined(separator: ", ")]
        guard let latest = latestCheckpoint(in: dir, entries: entries) else { return lines }
        lines.append("  latest: \(latest)")
        lines += try describeCheckpoint(path: dir + "/" + latest).map { "  " + $0 }
        return lines
    }

    /// `checkpoints/latest` as a symlink, a directory name in a file, or else the last name.
    static func latestCheckpoint(in dir: String, entries: [String]) -> String? {
        let fm = FileManager.default
        let latest = dir + "/latest"
        if let target = try? fm.destinationOfSymbolicLink(atPath: latest) {
            return (target as NSString).lastPathComponent
        }
        if let data = fm.contents(atPath: latest) {
            let name = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if entries.contains(name) { return name }
        }
        return entries.last
    }
}
