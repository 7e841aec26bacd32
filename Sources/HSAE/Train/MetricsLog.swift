import Foundation

/// `RUN/metrics.jsonl`: one JSON object per logging step (rank 0 only). On resume, lines
/// beyond the checkpoint's step are dropped so the file reads as one uninterrupted run.
final class MetricsLog {
    let path: String
    private let handle: FileHandle

    init(path: String, truncatingAfter globalStep: Int) throws {
        self.path = path
        let fm = FileManager.default
        if let existing = fm.contents(atPath: path) {
            let kept = String(decoding: existing, as: UTF8.self).split(separator: "\n").filter { line in
                guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let step = obj["global_step"] as? Int else { return false }
                return step <= globalStep
            }
            try AtomicFile.write(Data((kept.map { $0 + "\n" }.joined()).utf8), to: path)
        } else {
            guard fm.createFile(atPath: path, contents: nil) else {
                throw HSAEError.io(path: path, message: "cannot create the metrics log")
            }
        }
        guard let h = FileHandle(forWritingAtPath: path) else { throw HSAEError.io(path: path, message: "cannot open for appending") }
        h.seekToEndOfFile()
        handle = h
    }

    func append(_ record: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) else { return }
        handle.write(data + Data("\n".utf8))
    }

    deinit { try? handle.close() }
}
