import Foundation
import HSAE
import XCTest

/// Data set directories: with and without a manifest, labels, the evaluation split, and every
/// inconsistency between manifest and shards refused with an exact message.
final class DataSetTests: XCTestCase {
    /// Row r of a d-wide test shard holds r·10 + k in column k, so every value names its row.
    func rows(_ range: Range<Int>, d: Int) -> [Float] {
        range.flatMap { r in (0..<d).map { Float(r * 10 + $0) } }
    }

    /// Two shards (3 + 4 rows, d = 2) with labels [kind0 = row % 2, doc_id = row / 3].
    func twoShardDataSet(labels: Bool = true) throws -> String {
        let dir = temporaryDirectory(self)
        var shards: [DatasetManifest.Shard] = []
        for (name, range) in [("a", 0..<3), ("b", 3..<7)] {
            let l: [Int32]? = labels ? range.flatMap { [Int32($0 % 2), Int32($0 / 3)] } : nil
            shards.append(try ShardWriter.write(directory: dir, name: name, values: rows(range, d: 2), rows: range.count, d: 2,
                                                labels: l, labelKinds: labels ? 2 : 0))
        }
        let kinds: [DatasetManifest.LabelKind]? = labels ? [.init(name: "parity", classes: ["even", "odd"]), .init(name: "doc_id")] : nil
        try DatasetManifest(d: 2, dtype: "<f4", shards: shards, labelKinds: kinds).write(to: dir)
        return dir
    }

    func testManifestDataSetReadsRowsAcrossShards() throws {
        let data = try ActivationDataset(path: try twoShardDataSet())
        XCTAssertEqual([data.rows, data.d], [7, 2])
        XCTAssertEqual(try data.read(rows: [6, 2, 3, 0]).storage, [60, 61, 20, 21, 30, 31, 0, 1])
    }

    func testLabelsFollowTheManifestKinds() throws {
        let data = try ActivationDataset(path: try twoShardDataSet())
        XCTAssertEqual(data.labelKinds.map(\.name), ["parity", "doc_id"])
        XCTAssertEqual(data.labels(kind: 0, rows: Array(0..<7)), [0, 1, 0, 1, 0, 1, 0])
        XCTAssertEqual(data.labels(kind: 1, rows: [0, 2, 3, 6]), [0, 0, 1, 2])
        XCTAssertEqual(data.labels(kind: 5, rows: [0]), [-1])  // no such column: missing
    }

    func testBareDirectoryWithoutManifestSortsShardsByName() throws {
        let dir = temporaryDirectory(self)
        _ = try ShardWriter.write(directory: dir, name: "part-2", values: rows(2..<4, d: 3), rows: 2, d: 3)
        _ = try ShardWriter.write(directory: dir, name: "part-1", values: rows(0..<2, d: 3), rows: 2, d: 3,
                                  labels: [0, 1], labelKinds: 1)  // a labels file is not taken for a shard
        write(safetensorsShard(rows(4..<5, d: 3), shape: [1, 3], type: .f16), dir + "/part-3.safetensors")
        let data = try ActivationDataset(path: dir)
        XCTAssertEqual(data.manifest.shards.map(\.file), ["part-1.npy", "part-2.npy", "part-3.safetensors"])
        XCTAssertEqual([data.rows, data.d], [5, 3])
        XCTAssertEqual(try data.read(rows: [4, 0]).storage, [40, 41, 42, 0, 1, 2])
        XCTAssertTrue(data.labelKinds.isEmpty)
    }

    func testEvaluationSplitIsTheLastFivePercent() throws {
        let dir = temporaryDirectory(self)
        _ = try ShardWriter.write(directory: dir, name: "a", values: [Float](repeating: 1, count: 101), rows: 101, d: 1)
        // 101 · 0.95 = 95.95, rounded: rows 96..<101.
        XCTAssertEqual(try ActivationDataset(path: dir).evaluationSplit(), 96 ..< 101)
        XCTAssertEqual(try ActivationDataset(path: dir).evaluationSplit(fraction: 0.1), 91 ..< 101)
    }

    /// 100 rows in 10 documents of 10: the split never cuts a document.
    func testEvaluationSplitMovesToADocumentBoundary() throws {
        func split(docs: (Int) -> Int32, fraction: Double) throws -> Range<Int> {
            let dir = temporaryDirectory(self)
            let shard = try ShardWriter.write(directory: dir, name: "a", values: [Float](repeating: 1, count: 100), rows: 100, d: 1,
                                              labels: (0..<100).map(docs), labelKinds: 1)
            try DatasetManifest(d: 1, dtype: "<f4", shards: [shard], labelKinds: [.init(name: "doc_id")]).write(to: dir)
            return try ActivationDataset(path: dir).evaluationSplit(fraction: fraction)
        }
        // 0.12: start 88 is inside document 8 (80..<90), moved forward to 90.
        XCTAssertEqual(try split(docs: { Int32($0 / 10) }, fraction: 0.12), 90 ..< 100)
        // 0.05: start 95 is inside the last document (90..<100); there is no boundary ahead, so the
        // split takes the whole last document instead of cutting it.
        XCTAssertEqual(try split(docs: { Int32($0 / 10) }, fraction: 0.05), 90 ..< 100)
        // Documents of 30: 95 is inside 90..<100 (the last, shorter one) → 90.
        XCTAssertEqual(try split(docs: { Int32($0 / 30) }, fraction: 0.05), 90 ..< 100)
        // Start exactly on a boundary stays.
        XCTAssertEqual(try split(docs: { Int32($0 / 5) }, fraction: 0.05), 95 ..< 100)
    }

    func testMissingAndEmptyDirectories() throws {
        let dir = temporaryDirectory(self)
        assertThrows("\(dir)/nothing: no such file or directory") { try ActivationDataset(path: dir + "/nothing") }
        assertThrows("\(dir): has no dataset.json and no .npy or .safetensors shards") { try ActivationDataset(path: dir) }
        write(Data("x".utf8), dir + "/notes.txt")
        assertThrows("\(dir): has no dataset.json and no .npy or .safetensors shards") { try ActivationDataset(path: dir) }
    }

    func testShardsOfDifferentWidths() throws {
        let dir = temporaryDirectory(self)
        _ = try ShardWriter.write(directory: dir, name: "a", values: rows(0..<2, d: 3), rows: 2, d: 3)
        _ = try ShardWriter.write(directory: dir, name: "b", values: rows(0..<2, d: 4), rows: 2, d: 4)
        assertThrows("\(dir)/b.npy: has width 4, but \(dir)/a.npy has width 3; all shards must have the same d") {
            try ActivationDataset(path: dir)
        }
    }

    func testManifestThatDisagreesWithItsShards() throws {
        let dir = try twoShardDataSet(labels: false)
        var manifest = try DatasetManifest.read(from: dir)
        manifest.shards[1].rows = 5
        try manifest.write(to: dir)
        assertThrows("\(dir)/b.npy: has 4 rows, but dataset.json says 5") { try ActivationDataset(path: dir) }
        manifest.shards[1].rows = 4
        manifest.d = 3
        try manifest.write(to: dir)
        assertThrows("\(dir)/a.npy: has width 2, but dataset.json says d = 3") { try ActivationDataset(path: dir) }
        manifest.d = 2
        manifest.shards[0].file = "gone.npy"
        try manifest.write(to: dir)
        assertThrows("\(dir)/gone.npy: cannot open: No such file or directory") { try ActivationDataset(path: dir) }
    }

    func testLabelsOfTheWrongShape() throws {
        let dir = try twoShardDataSet()
        write(NPYFile.serialize([Int32](repeating: 0, count: 4), shape: [4, 1]), dir + "/b.labels.npy")
        assertThrows("\(dir)/b.labels.npy: labels have shape [4, 1], expected [4, 2] (rows × label kinds)") {
            try ActivationDataset(path: dir)
        }
    }

    func testNonFiniteRowsNameShardAndRow() throws {
        for (bad, type) in [(Float.nan, ElementType.f32), (.infinity, .f16), (-.infinity, .f32)] {
            let dir = temporaryDirectory(self)
            _ = try ShardWriter.write(directory: dir, name: "a", values: rows(0..<3, d: 2), rows: 3, d: 2, dtype: type)
            var values = rows(3..<7, d: 2)
            values[2 * 2 + 1] = bad  // shard b, local row 2 = global row 5
            _ = try ShardWriter.write(directory: dir, name: "b", values: values, rows: 4, d: 2, dtype: type)
            let data = try ActivationDataset(path: dir)
            XCTAssertEqual(try data.read(rows: [0, 4, 6]).storage, [0, 1, 40, 41, 60, 61])
            assertThrows("\(dir)/b.npy: row 2 contains NaN or Inf (hsae train --skip-nonfinite skips such rows in training; eval and features read every row they are given, so fix or remove the row)") {
                try data.read(rows: [1, 5])
            }
            XCTAssertEqual(data.nonFiniteRows(), [5])
        }
    }

    /// Rows are read by position (pread), not through the map: a shard cut short after the data
    /// set was opened gives an error naming the file — with a map the read would be a SIGBUS.
    func testShardTruncatedAfterOpeningIsAnErrorNamingTheFile() throws {
        let dir = temporaryDirectory(self)
        _ = try ShardWriter.write(directory: dir, name: "a", values: rows(0..<4, d: 2), rows: 4, d: 2)
        let data = try ActivationDataset(path: dir)
        XCTAssertEqual(try data.read(rows: [3, 0]).storage, [30, 31, 0, 1])
        let size = try FileManager.default.attributesOfItem(atPath: dir + "/a.npy")[.size] as! Int
        XCTAssertEqual(truncate(dir + "/a.npy", off_t(size - 8)), 0)  // row 3 is gone
        XCTAssertEqual(try data.read(rows: [2]).storage, [20, 21])
        assertThrows("\(dir)/a.npy: the file ends before byte \(size) (reading 8 bytes at offset \(size - 8)); was it truncated while in use?") {
            try data.read(rows: [3])
        }
    }
}
