import Foundation

/// What `hsae inspect PATH` prints: a compact description of a data set directory (with or
/// without `dataset.json`), a single shard or tensor file (`.npy`, `.safetensors`), a
/// checkpoint directory (`model.safetensors`, `state.json`) or a run directory (`checkpoints/`).
///
/// Reading validates as training would, so a broken data set fails here with the same message.
public enum Inspector {
    /// The description, one string per line.
    public static func describe(path: String) throws -> [String] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
            throw HSAEError.badInput(path: path, message: "no such file or directory")
        }
        guard isDir.boolValue else { return try describeFile(path: path) }
        var checkpointsIsDir: ObjCBool = false
        let run = Run(path)
        if !fm.fileExists(atPath: path + "/" + DatasetManifest.fileName),
           fm.fileExists(atPath: run.directory.checkpoints, isDirectory: &checkpointsIsDir), checkpointsIsDir.boolValue {
            return try describeRun(run)
        }
        if fm.fileExists(atPath: path + "/model.safetensors") || fm.fileExists(atPath: path + "/state.json") {
            return try describeCheckpoint(path: path)
        }
        return try describeDataset(path: path)
    }

    /// A `.npy`, `.safetensors` or `.json` file.
    static func describeFile(path: String) throws -> [String] {
        let name = (path as NSString).lastPathComponent
        if name.hasSuffix(".npy") {
            let npy = try NPYFile(path: path)
            var lines = ["\(name): npy, dtype \(npy.dtype.numpyDescr ?? npy.dtype.rawValue), shape \(npy.shape), \(bytes(npy.file.count))"]
            lines += preview(npy.data, dtype: npy.dtype, shape: npy.shape).map { "  " + $0 }
            return lines
        }
        if name.hasSuffix(".safetensors") { return try describeSafeTensors(path: path) }
        if name == DatasetManifest.fileName { return try describeDataset(path: (path as NSString).deletingLastPathComponent) }
        if name.hasSuffix(".json") {
            return ["\(name):"] + (try prettyJSON(path: path)).map { "  " + $0 }
        }
        throw HSAEError.badInput(path: path, message: "cannot inspect this file: expected a data set or checkpoint directory, "
            + "or a .npy, .safetensors or .json file")
    }

    /// A safetensors file: tensors (all, or the first `limit`), metadata, and a preview of `activations`.
    static func describeSafeTensors(path: String, limit: Int = 40) throws -> [String] {
        let file = try SafeTensorsFile(path: path)
        let name = (path as NSString).lastPathComponent
        let tensors = file.tensors.values.sorted { $0.name < $1.name }
        var lines = ["\(name): safetensors, \(tensors.count) tensors, \(bytes(file.file.count))"]
        let width = min(32, tensors.map(\.name.count).max() ?? 0)
        for t in tensors.prefix(limit) {
            lines.append("  " + t.name.padding(toLength: max(width, t.name.count), withPad: " ", startingAt: 0)
                + "  \(t.dtype.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0)) \(t.shape)")
        }
        if tensors.count > limit { lines.append("  … \(tensors.count - limit) more") }
        if !file.metadata.isEmpty {
            lines.append("  metadata:")
            for key in file.metadata.keys.sorted() { lines.append("    \(key): \(abbreviated(file.metadata[key]!))") }
        }
        if let t = file.tensors["activations"] {
            lines += preview(file.bytes(t), dtype: t.dtype, shape: t.shape).map { "  " + $0 }
        }
        return lines
    }

    /// First row statistics of a 2-D float array; the first few values of anything else.
    static func preview(_ data: UnsafeRawBufferPointer, dtype: ElementType, shape: [Int]) -> [String] {
        guard let base = data.baseAddress, !shape.contains(0) else { return ["(empty)"] }
        if dtype.isFloatingPoint, shape.count == 2 {
            var row = [Float](repeating: 0, count: shape[1])
            row.withUnsafeMutableBufferPointer { dtype.convert(base, count: shape[1], into: $0.baseAddress!) }
            return ["row 0: " + rowStats(row)]
        }
        let count = min(8, shape.reduce(1, *))
        let values = (0..<count).map { i -> String in
            if dtype.isFloatingPoint {
                var v: Float = 0
                dtype.convert(base + i * dtype.size, count: 1, into: &v)
                return format(Double(v))
            }
            return String(dtype.integer(base, i))
        }
        return ["first values: " + values.joined(separator: ", ") + (shape.reduce(1, *) > count ? ", …" : "")]
    }

    static func rowStats(_ row: [Float]) -> String {
        let n = Double(row.count)
        let mean = row.reduce(0.0) { $0 + Double($1) } / n
        let norm = (row.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot()
        let finite = row.allSatisfy(\.isFinite) ? "" : " (contains NaN/Inf)"
        return "min \(format(Double(row.min()!))), max \(format(Double(row.max()!))), mean \(format(mean)), ‖x‖ \(format(norm))" + finite
    }

    static func prettyJSON(path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HSAEError.badInput(path: path, message: "cannot read")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data),
              let pretty = try? JSONSerialization.data(withJSONObject: object, options: JSONFormat.prettyObject) else {
            throw HSAEError.badInput(path: path, message: "is not valid JSON")
        }
        return String(decoding: pretty, as: UTF8.self).components(separatedBy: "\n")
    }

    static func format(_ x: Double) -> String { String(format: "%.4g", x) }

    static func bytes(_ n: Int) -> String {
        n < 10_000 ? "\(n) bytes" : n < 10_000_000 ? String(format: "%.1f kB", Double(n) / 1e3) : String(format: "%.1f MB", Double(n) / 1e6)
    }

    /// One line of at most `limit` characters: JSON values re-encoded compactly, newlines removed.
    static func abbreviated(_ value: String, limit: Int = 160) -> String {
        var s = value
        if let object = try? JSONSerialization.jsonObject(with: Data(value.utf8)), object is [Any] || object is [String: Any],
           let compact = try? JSONSerialization.data(withJSONObject: object, options: JSONFormat.compactObject) {
            s = String(decoding: compact, as: UTF8.self)
        }
        s = s.replacingOccurrences(of: "\n", with: " ")
        return s.count <= limit ? s : String(s.prefix(limit)) + "… (\(s.count) chars)"
    }
}
