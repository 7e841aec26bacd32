import Foundation
import HSAE
import XCTest

/// `hsae synth`'s generator against its specification, checked through the files it writes
/// (ActivationDataset for x, GroundTruth for the truth).
final class SyntheticTests: XCTestCase {
    /// 3 shards (1000 + 1000 + 500 rows), 4 roots × 3 children + 3 singletons in d = 16.
    func config(_ geometry: SyntheticConfig.Geometry = .a, _ mode: SyntheticConfig.ChildMode = .exclusive,
                noise: Double = 0.05, seed: UInt64 = 5) -> SyntheticConfig {
        SyntheticConfig(d: 16, roots: 4, children: 3, singletons: 3, rows: 2500, shardRows: 1000,
                        geometry: geometry, childMode: mode, childProbability: 0.4,
                        probabilityMax: 0.5, probabilityMin: 0.1, noise: noise, seed: seed)
    }

    func generate(_ config: SyntheticConfig) throws -> String {
        let dir = temporaryDirectory(self) + "/data"
        let summary = try SyntheticGenerator.generate(config: config, to: dir)
        XCTAssertEqual(summary.rows, config.rows)
        XCTAssertEqual(summary.shards, 3)
        return dir
    }

    func testSameSeedGivesByteIdenticalFiles() throws {
        let first = fileTree(try generate(config()))
        let second = fileTree(try generate(config()))
        XCTAssertEqual(Set(first.keys), Set([".hsae-output.json", "dataset.json", "truth/truth.safetensors"]).union((0..<3).flatMap {
            ["shard-0000\($0).npy", "shard-0000\($0).labels.npy", "truth/shard-0000\($0).safetensors"] }))
        XCTAssertEqual(first, second)
        let other = fileTree(try generate(config(seed: 6)))
        XCTAssertNotEqual(first["shard-00000.npy"], other["shard-00000.npy"])
    }

    func testTheDataSetIsAnOrdinaryMultiShardDataSet() throws {
        let dir = try generate(config())
        let data = try ActivationDataset(path: dir)
        XCTAssertEqual([data.rows, data.d], [2500, 16])
        XCTAssertEqual(data.manifest.shards.map(\.rows), [1000, 1000, 500])
        XCTAssertEqual(data.manifest.groundTruth, "truth/truth.safetensors")
        XCTAssertEqual(data.labelKinds.map(\.name), ["parent", "child", "parent_0", "parent_1", "parent_2", "parent_3", "child_0", "child_1", "child_2", "child_3"])
        XCTAssertEqual(data.labelKinds[1].classes?.count, 1 + 12)
        XCTAssertEqual(data.manifest.provenance?["generator"], "hsae synth")
    }

    /// x = Σ_f m_f g_f exactly without noise, over features that have a direction.
    func testRowsAreTheSumOfMagnitudesTimesDirections() throws {
        for geometry in SyntheticConfig.Geometry.allCases {
            let dir = try generate(config(geometry, .independent, noise: 0))
            let (data, truth) = (try ActivationDataset(path: dir), try GroundTruth(datasetPath: dir))
            let rows = [0, 1, 999, 1000, 1777, 2499]
            let x = try data.read(rows: rows)
            for (i, row) in rows.enumerated() {
                var expected = [Double](repeating: 0, count: 16)
                for f in truth.firing(row: row) {
                    guard let g = truth.direction(of: f.feature) else {
                        XCTAssertEqual(geometry, .b)
                        continue
                    }
                    for k in 0..<16 { expected[k] += Double(f.magnitude) * Double(g[k]) }
                }
                for k in 0..<16 { XCTAssertEqual(Double(x[i, k]), expected[k], accuracy: 1e-5, "\(geometry) row \(row)") }
            }
        }
    }

    /// With noise σ the residual x − Σ m g is N(0, σ²) per coordinate.
    func testResidualHasTheNoiseVariance() throws {
        let dir = try generate(config(noise: 0.05))
        let (data, truth) = (try ActivationDataset(path: dir), try GroundTruth(datasetPath: dir))
        let rows = Array(0..<2500)
        let x = try data.read(rows: rows)
        var sumSquares = 0.0
        for i in rows {
            var r = x.row(i).map(Double.init)
            for fire in truth.firing(row: i) {
                let g = truth.direction(of: fire.feature)!
                for k in 0..<16 { r[k] -= Double(fire.magnitude) * Double(g[k]) }
            }
            sumSquares += r.reduce(0) { $0 + $1 * $1 }
        }
        let variance = sumSquares / Double(2500 * 16)
        XCTAssertEqual(variance, 0.05 * 0.05, accuracy: 0.05 * 0.05 * 0.05)  // 40 000 samples: ±0.7 % is one σ
    }

    func testGeometryAHasParentDirectionsAndBHasNone() throws {
        let (a, b) = (try GroundTruth(datasetPath: try generate(config(.a))), try GroundTruth(datasetPath: try generate(config(.b))))
        XCTAssertEqual(a.parentDirections?.rows, 4)
        XCTAssertNil(b.parentDirections)
        XCTAssertNil(b.direction(of: 0))
        for norm in a.parentDirections!.rowNorms() + a.childDirections.rowNorms() + a.singletonDirections.rowNorms() {
            XCTAssertEqual(norm, 1, accuracy: 1e-5)
        }
        // Same seed: the leaves are the same directions in both geometries.
        XCTAssertEqual(a.childDirections, b.childDirections)
        XCTAssertEqual(a.leafDirections.rows, 12 + 3)
        let file = try SafeTensorsFile(path: b.datasetPath + "/truth/truth.safetensors")
        XCTAssertNil(file.tensors["parent_directions"])
        XCTAssertEqual(file.metadata["geometry"], "B")
        // Under B a parent's recorded magnitude is the sum of its firing children's.
        for row in 0..<200 {
            let firing = b.firing(row: row)
            for p in firing where p.feature < 4 {
                let children = firing.filter { b.layout.parentOf($0.feature) == p.feature }.map(\.magnitude)
                XCTAssertEqual(p.magnitude, children.reduce(0, +), accuracy: 1e-5)
            }
        }
    }

    /// Children fire only with their parent; exclusive mode fires exactly one per firing parent.
    func testTheTreeConstrainsFiring() throws {
        for mode in SyntheticConfig.ChildMode.allCases {
            let truth = try GroundTruth(datasetPath: try generate(config(.a, mode)))
            var rowsWithSeveralChildren = 0
            for row in 0..<truth.rows {
                let features = truth.firing(row: row).map(\.feature)
                XCTAssertEqual(features, features.sorted())
                for r in 0..<4 {
                    let children = features.filter { truth.layout.parentOf($0) == r }.count
                    if features.contains(r) {
                        if mode == .exclusive { XCTAssertEqual(children, 1, "row \(row) root \(r)") } else { XCTAssertGreaterThanOrEqual(children, 1) }
                        if children > 1 { rowsWithSeveralChildren += 1 }
                    } else {
                        XCTAssertEqual(children, 0, "row \(row): a child of root \(r) fires without its parent")
                    }
                }
            }
            if mode == .independent { XCTAssertGreaterThan(rowsWithSeveralChildren, 100) }
        }
    }

    func testRecordedTrueL0EqualsTheL0OfThePerRowTruth() throws {
        for (geometry, mode) in [(SyntheticConfig.Geometry.a, SyntheticConfig.ChildMode.exclusive), (.b, .independent)] {
            let dir = try generate(config(geometry, mode))
            let truth = try GroundTruth(datasetPath: dir)
            let measured = truth.measuredL0()
            XCTAssertEqual(truth.trueL0, measured)
            XCTAssertEqual(measured.leaves, measured.children + measured.singletons)
            XCTAssertEqual(measured.directions, measured.leaves + (geometry == .a ? measured.parents : 0))
            if mode == .exclusive { XCTAssertEqual(measured.children, measured.parents) }
            // The same numbers are in the manifest's provenance, for tools that read only dataset.json.
            let recorded = try DatasetManifest.read(from: dir).provenance!["true_l0"]!
            XCTAssertEqual(try JSONDecoder().decode(TrueL0.self, from: Data(recorded.utf8)), measured)
        }
    }

    /// Root 0 fires with p_max, the last root with p_min (Zipf-like range).
    func testFiringFrequenciesFollowTheZipfRange() throws {
        XCTAssertEqual(SyntheticModel.zipf(count: 4, max: 0.5, min: 0.1).first, 0.5)
        XCTAssertEqual(SyntheticModel.zipf(count: 4, max: 0.5, min: 0.1).last!, 0.1, accuracy: 1e-12)
        let truth = try GroundTruth(datasetPath: try generate(config()))
        var frequency = [Double](repeating: 0, count: truth.layout.featureCount)
        for row in 0..<2500 { for f in truth.firing(row: row) { frequency[f.feature] += 1 / 2500 } }
        for (r, p) in truth.rootProbability.enumerated() {
            XCTAssertEqual(frequency[r], p, accuracy: 4 * (p * (1 - p) / 2500).squareRoot(), "root \(r)")
        }
    }

    func testLabelsAgreeWithTheTruth() throws {
        let dir = try generate(config(.a, .independent))
        let (data, truth) = (try ActivationDataset(path: dir), try GroundTruth(datasetPath: dir))
        let rows = Array(0..<2500)
        let parent = data.labels(kind: 0, rows: rows), child = data.labels(kind: 1, rows: rows), on0 = data.labels(kind: 2, rows: rows)
        XCTAssertEqual(data.labelKinds[6...].map(\.name), ["child_0", "child_1", "child_2", "child_3"])
        let childOfRoot = (6..<10).map { data.labels(kind: $0, rows: rows) }
        for row in rows {
            let firing = truth.firing(row: row)
            let parents = firing.filter { $0.feature < 4 }, children = firing.filter { truth.layout.childRange.contains($0.feature) }
            XCTAssertEqual(parent[row], parents.max { $0.magnitude < $1.magnitude }.map { 1 + $0.feature } ?? 0)
            XCTAssertEqual(child[row], children.max { $0.magnitude < $1.magnitude }.map { 1 + $0.feature - 4 } ?? 0)
            XCTAssertEqual(on0[row], parents.contains { $0.feature == 0 } ? 1 : 0)
            for r in 0..<4 {
                let childOn = firing.contains { $0.feature == truth.layout.child(r, 0) } ? 1 : 0
                XCTAssertEqual(childOn, childOfRoot[r][row], "child_\(r), row \(row)")
                if childOn == 1 { XCTAssertTrue(parents.contains { $0.feature == r }, "a child fires only with its parent") }
            }
        }
        XCTAssertTrue(childOfRoot.allSatisfy { $0.contains(1) }, "every child_r label fires somewhere in 2500 rows")
    }

    func testF16StoresTheF32ValuesRounded() throws {
        var half = config()
        half.dtype = .f16
        let (full, halfDir) = (try generate(config()), try generate(half))
        let x32 = try ActivationDataset(path: full).read(rows: Array(0..<2500))
        let x16 = try ActivationDataset(path: halfDir).read(rows: Array(0..<2500))
        XCTAssertEqual(x16.storage, x32.storage.map { Float(Float16($0)) })
        XCTAssertEqual(fileTree(full)["truth/shard-00001.safetensors"], fileTree(halfDir)["truth/shard-00001.safetensors"])
    }
}
