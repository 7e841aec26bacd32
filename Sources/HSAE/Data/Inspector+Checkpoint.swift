import Foundation

extension Inspector {
    /// A checkpoint directory: every `.safetensors` file's tensors and metadata (unless
    /// `tensors` is false), and `state.json` pretty-printed.
    static func describeCheckpoint(path: String, tensors: Bool = true) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted()
        var lines = ["checkpoint \(path): " + names.joined(separator: ", ")]
        // The model first: it is what a reader came for; optimizer moments mirror its tensors.
        let others = names.filter { $0.hasSuffix(".safetensors") && $0 != "model.safetensors" }
        let tensorFiles = (names.contains("model.safetensors") ? ["model.safetensors"] : []) + others
        for name in tensorFiles where tensors {
            let limit = name == "model.safetensors" ? 40 : 6
            lines += try describeSafeTensors(path: path + "/" + name, limit: limit).map { "  " + $0 }
        }
        if names.contains("state.json") {
            lines.append("  state.json:")
            lines += try prettyJSON(path: path + "/state.json").map { "    " + $0 }
        }
        return lines
    }

    /// A run directory: its files and checkpoints, the final model when there is one, then the
    /// newest checkpoint described.
    static func describeRun(path: String) throws -> [String] {
        let fm = FileManager.default
        let dir = path + "/checkpoints"
        let files = try fm.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") && $0 != "checkpoints" }.sorted()
        let entries = try fm.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") && $0 != "latest" }.sorted()
        var lines = ["run \(path): " + (files.isEmpty ? "" : files.joined(separator: ", ") + "; ")
                     + "\(entries.count) checkpoint(s): " + entries.joined(separator: ", ")]
        if files.contains("model.safetensors") {
            lines += try describeSafeTensors(path: path + "/model.safetensors").map { "  " + $0 }
        }
        guard let latest = latestCheckpoint(in: dir, entries: entries) else { return lines }
        lines.append("  latest: \(latest)" + (files.contains("model.safetensors") ? " (its tensors: hsae inspect \(dir)/\(latest))" : ""))
        lines += try describeCheckpoint(path: dir + "/" + latest, tensors: !files.contains("model.safetensors")).map { "  " + $0 }
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
