import Foundation

/// `RUN/metrics.jsonl`: one JSON object per logging step (rank 0 only). On resume, lines
/// beyond the checkpoint's step are dropped so the file reads as one uninterrupted run.
///
/// Appends happen on rank 0 between collectives, so a failed append (disk full) cannot be
/// thrown there without the other ranks waiting forever: it is remembered in `failure`, later
/// appends are skipped, and the trainer raises it at its next agreement (the next checkpoint).
public final class MetricsLog {
    public let path: String
    private let handle: FileHandle
    /// The first append that failed, as an error naming the file.
    @exclusivity(unchecked) public private(set) var failure: HSAEError?

    public init(path: String, truncatingAfter globalStep: Int) throws {
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

    /// A log appending to an already open handle (tests: a handle that cannot be written).
    public init(path: String, handle: FileHandle) {
        self.path = path
        self.handle = handle
    }

    public func append(_ record: [String: Any]) {
        guard failure == nil else { return }
        do {
            // Non-finite numbers are not JSON; they are written as null rather than dropping the line.
            let clean = record.mapValues { v -> Any in (v as? Double).map { $0.isFinite ? $0 as Any : NSNull() } ?? v }
            let data = try JSONSerialization.data(withJSONObject: clean, options: JSONFormat.compactObject)
            // `write(contentsOf:)` throws; the older `write(_:)` traps on ENOSPC.
            try handle.write(contentsOf: data + Data("\n".utf8))
        } catch {
            let reason = (error as NSError).localizedDescription
            failure = .io(path: path, message: "cannot append to the metrics log: \(reason) (disk full? free space and resume)")
        }
    }

    deinit { try? handle.close() }
}
