import Foundation
import HSAE
import XCTest

/// Synthetic configuration, presets and the output directory's all-or-nothing contract.
final class SyntheticConfigTests: XCTestCase {
    func testPresetsAreValidAndOrderedBySize() throws {
        let presets = SyntheticConfig.Preset.allCases.map(SyntheticConfig.preset)
        for c in presets { XCTAssertNoThrow(try c.validate()) }
        XCTAssertEqual(presets.map(\.d), [32, 64, 128])
        XCTAssertEqual(presets.map(\.rows), [20_000, 100_000, 300_000])
        // Superposition: more directions than dimensions in every preset.
        for c in presets { XCTAssertGreaterThan(c.layout.featureCount, c.d) }
        XCTAssertGreaterThan(presets[0].shardCount, 1)  // tiny exercises multi-shard paths
    }

    func testEveryBadKnobIsNamed() {
        let base = SyntheticConfig.preset(.tiny)
        let table: [(WritableKeyPath<SyntheticConfig, Int>, Int, String)] = [
            (\.d, 0, "--d: must be at least 1, got 0"),
            (\.roots, 0, "--roots: must be at least 1, got 0"),
            (\.children, 0, "--children: must be at least 1 (children per root), got 0"),
            (\.singletons, -1, "--singletons: must be at least 0, got -1"),
            (\.rows, 0, "--rows: must be at least 1, got 0"),
            (\.shardRows, -5, "--shard-rows: must be at least 1, got -5"),
            (\.shardRows, 0, "--shard-rows: must be at least 1, got 0"),
        ]
        for (key, value, message) in table {
            var c = base
            c[keyPath: key] = value
            assertThrows(message) { try c.validate() }
        }
        let doubles: [(WritableKeyPath<SyntheticConfig, Double>, Double, String)] = [
            (\.noise, -0.1, "--noise: must be finite and at least 0, got -0.1"),
            (\.noise, .nan, "--noise: must be finite and at least 0, got nan"),
            (\.childProbability, 0, "--child-probability: must be in (0, 1], got 0.0"),
            (\.probabilityMax, 1.5, "--probability-max: must be in (0, 1], got 1.5"),
            (\.probabilityMin, 0.9, "--probability-min: must be in (0, --probability-max = 0.4], got 0.9"),
            (\.magnitudeStd, -1, "--magnitude-std: must be finite and at least 0, got -1.0"),
        ]
        for (key, value, message) in doubles {
            var c = base
            c[keyPath: key] = value
            assertThrows(message) { try c.validate() }
        }
        var tooMany = base
        tooMany.shardRows = 1
        tooMany.rows = 200_000
        assertThrows("--shard-rows: 1 gives 200000 shards for 200000 rows; at most 100000 are allowed") { try tooMany.validate() }
    }

    func testConfigRoundTripsThroughJSON() throws {
        var c = SyntheticConfig.preset(.small)
        c.geometry = .b
        c.childMode = .independent
        c.seed = .max
        XCTAssertEqual(try JSONDecoder().decode(SyntheticConfig.self, from: Data(c.json().utf8)), c)
        XCTAssertTrue(c.json().contains("\"child_mode\":\"independent\""), c.json())
    }

    func testAnUnrelatedDirectoryIsRefusedEvenWithForceAndAnOwnOutputIsReplacedWithIt() throws {
        let dir = temporaryDirectory(self)
        write(Data("keep".utf8), dir + "/notes.txt")
        var c = SyntheticConfig.preset(.tiny)
        c.rows = 300
        c.shardRows = 100
        let refusal = "--out: '\(dir)' is not empty (notes.txt) and holds no output of hsae synth (no .hsae-output.json); "
            + "hsae writes only into a new or empty directory or its own earlier output, so choose another directory"
        assertThrows(refusal) { try SyntheticGenerator.generate(config: c, to: dir) }
        assertThrows(refusal) { try SyntheticGenerator.generate(config: c, to: dir, force: true) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["notes.txt"])
        try FileManager.default.removeItem(atPath: dir + "/notes.txt")
        _ = try SyntheticGenerator.generate(config: c, to: dir)
        assertThrows("--out: '\(dir)' holds an earlier output of hsae synth (dataset.json, shard-00000.labels.npy, shard-00000.npy, "
                     + "shard-00001.labels.npy, shard-00001.npy, shard-00002.labels.npy, … (8 entries)); pass --force to replace it or choose another directory") {
            try SyntheticGenerator.generate(config: c, to: dir)
        }
        c.rows = 200
        let summary = try SyntheticGenerator.generate(config: c, to: dir, force: true)
        XCTAssertEqual(summary.shards, 2)
        XCTAssertEqual(try ActivationDataset(path: dir).rows, 200)
        XCTAssertEqual(try OutputMarker.read(in: dir)?.command, "synth")
        // No partial or set-aside directories are left beside the target.
        let parent = (dir as NSString).deletingLastPathComponent, name = (dir as NSString).lastPathComponent
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent).filter { $0.hasPrefix(".\(name).") }, [])
    }

    func testAnEmptyDirectoryIsFilledAndAFileIsRefused() throws {
        let dir = temporaryDirectory(self)
        var c = SyntheticConfig.preset(.tiny)
        c.rows = 100
        XCTAssertEqual(try SyntheticGenerator.generate(config: c, to: dir).shards, 1)
        write(Data(), dir + "/file")
        assertThrows("--out: '\(dir)/file' is a file, expected a directory to create") {
            try SyntheticGenerator.generate(config: c, to: dir + "/file")
        }
    }

    func testAFailureLeavesNothingBehind() throws {
        let dir = temporaryDirectory(self)
        var c = SyntheticConfig.preset(.tiny)
        c.d = 0  // refused before anything is written
        assertThrows("--d: must be at least 1, got 0") { try SyntheticGenerator.generate(config: c, to: dir + "/out") }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func testGroundTruthOfANonSyntheticDataSet() throws {
        let dir = temporaryDirectory(self)
        let shard = try ShardWriter.write(directory: dir, name: "a", values: [1, 2], rows: 1, d: 2)
        try DatasetManifest(d: 2, dtype: "<f4", shards: [shard]).write(to: dir)
        assertThrows("\(dir)/dataset.json: has no ground_truth: not a synthetic data set (make one with `hsae synth`)") {
            try GroundTruth(datasetPath: dir)
        }
    }

    func testLayoutIndicesAndNames() {
        let layout = SyntheticLayout(roots: 3, children: 2, singletons: 2, geometry: .b)
        XCTAssertEqual(layout.featureCount, 11)
        XCTAssertEqual(layout.child(2, 1), 8)
        XCTAssertEqual(layout.kind(of: 8), .child(root: 2, child: 1))
        XCTAssertEqual(layout.kind(of: 9), .singleton(0))
        XCTAssertEqual(layout.parentOf(4), 0)
        XCTAssertNil(layout.parentOf(10))
        XCTAssertFalse(layout.hasDirection(2))
        XCTAssertTrue(layout.hasDirection(3))
        XCTAssertEqual((0..<11).map(layout.name), ["parent-0", "parent-1", "parent-2", "child-0.0", "child-0.1", "child-1.0",
                                                   "child-1.1", "child-2.0", "child-2.1", "singleton-0", "singleton-1"])
    }
}
