import Foundation
import HSAE
import XCTest

/// `Inspector.describe` (what `hsae inspect` prints) on the kinds of paths it accepts.
final class InspectorTests: XCTestCase {
    func testBareDirectoryWithDocumentLabelsInAManifest() throws {
        let dir = temporaryDirectory(self)
        _ = try ShardWriter.write(directory: dir, name: "a", values: (0..<20).map(Float.init), rows: 10, d: 2)
        var lines = try Inspector.describe(path: dir)
        XCTAssertEqual(lines[0], "data set \(dir) (no dataset.json: bare directory of shards)")
        XCTAssertEqual(lines[1], "  d = 2, 10 rows, 1 shard(s)")
        XCTAssertEqual(lines[2], "    a.npy  F32   10 rows")
        XCTAssertTrue(lines.contains("  labels: none"), "\(lines)")
        XCTAssertTrue(lines.contains("  row 0: min 0, max 1, mean 0.5, ‖x‖ 1"), "\(lines)")

        // Columns: doc_id = row / 4 (documents 0..<4, 4..<8, 8..<10); flag = 1 on rows 0, 3, 6, 9.
        let labels: [Int32] = [0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 2, 0, 2, 1]
        let shard = try ShardWriter.write(directory: dir, name: "a", values: (0..<20).map(Float.init), rows: 10, d: 2,
                                          labels: labels, labelKinds: 2)
        try DatasetManifest(d: 2, dtype: "<f4", shards: [shard],
                            labelKinds: [.init(name: "doc_id"), .init(name: "flag", classes: ["no", "yes"], level: "lexical")]).write(to: dir)
        lines = try Inspector.describe(path: dir)
        XCTAssertEqual(lines[0], "data set \(dir) (dataset.json)")
        XCTAssertTrue(lines.contains("    doc_id: 3 distinct values"), "\(lines)")
        XCTAssertTrue(lines.contains("    flag [lexical]: 2 classes; no 60.0%, yes 40.0%"), "\(lines)")
        // 10 · 0.95 rounds to 10 → clamped to 9, inside document 2 (rows 8, 9), moved back to 8.
        XCTAssertTrue(lines.contains("  eval split: rows 8..<10 (2 rows, 20.0%, whole documents)"), "\(lines)")
    }

    /// The run's checkpoint is the one RunDirectory resolves (the newest that verifies), not what
    /// `checkpoints/latest` says; checkpoints that do not verify are named with the reason, and
    /// when none does the newest is described as found.
    func testRunDirectoryDescribesTheResolvedCheckpointAndNamesSkippedOnes() throws {
        let run = temporaryDirectory(self)
        for name in ["1-0000010", "1-0000020"] {
            let dir = run + "/checkpoints/" + name
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            var writer = SafeTensorsWriter(metadata: ["d": "4"])
            writer.add("bottom.b_dec", shape: [4], values: [Float](repeating: 0, count: 4))
            write(writer.serialized(), dir + "/model.safetensors")
            write(Data("{\"step\": \(Int(name.dropFirst(2))!)}".utf8), dir + "/state.json")
        }
        write(Data("1-0000010\n".utf8), run + "/checkpoints/latest")
        let lines = try Inspector.describe(path: run)
        XCTAssertEqual(lines[0], "run \(run): 2 checkpoint(s): 1-0000010, 1-0000020")
        XCTAssertEqual(lines[1], "  skipping checkpoint 1-0000020: \(run)/checkpoints/1-0000020: state.json is not a valid trainer state")
        XCTAssertEqual(lines[2], "  skipping checkpoint 1-0000010: \(run)/checkpoints/1-0000010: state.json is not a valid trainer state")
        XCTAssertEqual(lines[3], "  latest: 1-0000020 (does not verify, see above)")
        XCTAssertEqual(lines[4], "  checkpoint \(run)/checkpoints/1-0000020: model.safetensors, state.json")
        XCTAssertTrue(lines.contains("      bottom.b_dec  F32  [4]"), "\(lines)")
        XCTAssertTrue(lines.contains("        d: 4"), "\(lines)")
        XCTAssertTrue(lines.contains("        \"step\" : 20"), "\(lines)")

        // With a final model at the top, it is described once and the checkpoint shows its state only.
        try FileManager.default.copyItem(atPath: run + "/checkpoints/1-0000020/model.safetensors", toPath: run + "/model.safetensors")
        let withModel = try Inspector.describe(path: run)
        XCTAssertEqual(withModel[0], "run \(run): model.safetensors; 2 checkpoint(s): 1-0000010, 1-0000020")
        XCTAssertEqual(withModel.filter { $0.hasSuffix("bottom.b_dec  F32  [4]") }.count, 1, "\(withModel)")
        XCTAssertTrue(withModel.contains("  latest: 1-0000020 (does not verify, see above) (its tensors: hsae inspect \(run)/checkpoints/1-0000020)"), "\(withModel)")
    }

    func testFilesItCannotDescribe() throws {
        let dir = temporaryDirectory(self)
        write(Data("x".utf8), dir + "/notes.txt")
        assertThrows("\(dir)/notes.txt: cannot inspect this file: expected a data set or checkpoint directory, or a .npy, .safetensors or .json file") {
            try Inspector.describe(path: dir + "/notes.txt")
        }
        write(Data("{not json".utf8), dir + "/state.json")
        assertThrows("\(dir)/state.json: is not valid JSON") { try Inspector.describe(path: dir + "/state.json") }
    }
}
