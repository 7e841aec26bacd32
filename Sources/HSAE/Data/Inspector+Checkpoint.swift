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
    /// checkpoint a resume would start from (RunDirectory's resolver: the newest that verifies),
    /// after the newer ones it skipped and why. When none verifies, the newest is described as found.
    static func describeRun(_ opened: Run) throws -> [String] {
        let fm = FileManager.default
        let path = opened.path, run = opened.directory
        let dir = run.checkpoints
        let files = try fm.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") && $0 != RunDirectory.checkpointsName }.sorted()
        let entries = try fm.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") && $0 != RunDirectory.latestName }.sorted()
        var lines = ["run \(path): " + (files.isEmpty ? "" : files.joined(separator: ", ") + "; ")
                     + "\(entries.count) checkpoint(s): " + entries.joined(separator: ", ")]
        let hasModel = files.contains(RunDirectory.modelName)
        if hasModel {
            lines += try describeSafeTensors(path: run.model).map { "  " + $0 }
        }
        var skipped: [RunDirectory.Skipped] = []
        let valid = opened.newestValidCheckpoint { skipped.append($0) }
        lines += skipped.map { "  " + $0.description }
        guard let latest = valid.map({ ($0.directory as NSString).lastPathComponent }) ?? run.checkpointNames().first else { return lines }
        lines.append("  latest: \(latest)" + (valid == nil ? " (does not verify, see above)" : "")
                     + (hasModel ? " (its tensors: hsae inspect \(dir)/\(latest))" : ""))
        lines += try describeCheckpoint(path: dir + "/" + latest, tensors: !hasModel).map { "  " + $0 }
        return lines
    }
}
