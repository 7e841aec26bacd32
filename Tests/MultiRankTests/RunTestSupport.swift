import Foundation
import HSAE
import XCTest

/// A tiny synthetic data set and small, fast training runs for the reliability tests.
enum TinyRuns {
    /// Small model, 12 steps (4 per phase), a checkpoint every 2 steps.
    static let common = ["--m1", "32", "--m2", "8", "--batch", "256", "--microbatch", "64", "--steps", "4,4,4",
                         "--bottom-l0", "4", "--top-l0", "2", "--log-every", "2", "--lr", "3e-3", "--checkpoint-every", "2"]

    /// `hsae synth --preset tiny --out path` (fails the caller on error).
    static func synth(_ path: String) {
        let out = try? Harness.single(["synth", "--preset", "tiny", "--out", path])
        precondition(out?.status == 0, "hsae synth failed: \(out?.stderr ?? "did not run")")
    }

    /// Every file under `path` with its contents (nil when the path does not exist).
    static func snapshot(_ path: String) -> [String: Data]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var out: [String: Data] = [:]
        for case let f as String in FileManager.default.enumerator(atPath: path)! {
            out[f] = FileManager.default.contents(atPath: path + "/" + f) ?? Data()
        }
        return out
    }

    /// Number of "error:" lines in `text`.
    static func errorCount(_ text: String) -> Int { text.components(separatedBy: "error:").count - 1 }

    /// Entries of `dir` that are temporaries of interrupted writes.
    static func temporaries(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.contains(".tmp-") }
    }
}
