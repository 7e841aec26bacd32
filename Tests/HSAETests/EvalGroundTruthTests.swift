import HSAE
import XCTest

/// Ground-truth metrics against hand-computed values, and Hungarian against brute force.
final class EvalGroundTruthTests: XCTestCase {
    func testHungarianMatchesBruteForceOnSmallRandomMatrices() {
        var rng = SplitMix64(seed: 11)
        for (r, c) in [(1, 1), (3, 3), (4, 4), (5, 5), (3, 5), (5, 3), (2, 6), (6, 2)] {
            for _ in 0..<5 {
                let cost = Matrix<Double>(rows: r, cols: c, storage: (0..<(r * c)).map { _ in rng.nextSigned() * 10 })
                let assignment = Hungarian.minimumCostAssignment(cost)
                XCTAssertEqual(assignment.count, r)
                let used = assignment.compactMap { $0 }
                XCTAssertEqual(used.count, min(r, c), "\(r)×\(c): every row or column is matched")
                XCTAssertEqual(Set(used).count, used.count, "\(r)×\(c): columns are distinct")
                XCTAssertEqual(Hungarian.cost(of: assignment, in: cost), bruteForceMinimum(cost), accuracy: 1e-9, "\(r)×\(c)")
            }
        }
    }

    func testMMCSByHand() {
        // cos(G, D) = [[1, 0.6], [0, 0.8]] → MMCS = (1 + 0.8) / 2.
        let g = Matrix<Double>(rows: 2, cols: 2, storage: [1, 0, 0, 2])
        let d = Matrix<Double>(rows: 2, cols: 2, storage: [3, 0, 0.6, 0.8])
        let cos = DictionaryGeometry.cosines(g, d)
        XCTAssertEqual(cos.storage, [1, 0.6, 0, 0.8].map { $0 }, "cosines normalise rows")
        XCTAssertEqual(DictionaryGeometry.meanMaxCosine(cos)!, 0.9, accuracy: 1e-12)
        XCTAssertEqual(DictionaryGeometry.meanMaxCosine(cos, rows: [1])!, 0.8, accuracy: 1e-12)
    }

    func testMCCRecoversAKnownPermutationWithSignFlips() {
        let g = DictionaryGeometry.unitRows(randomMatrix(5, 12, seed: 12))
        let permutation = [3, 0, 4, 1, 2]  // latent f = permutation[n] holds true feature n
        var d = Matrix<Double>(rows: 7, cols: 12)
        for n in 0..<5 { for j in 0..<12 { d[permutation[n], j] = (n == 2 ? -1 : 1) * g[n, j] } }
        for j in 0..<12 { d[5, j] = 0.5 * g[0, j] + 0.5 * g[1, j]; d[6, j] = Double(j % 3) }
        let (mcc, pairs) = DictionaryGeometry.matchedMeanCosine(DictionaryGeometry.cosines(g, d))
        XCTAssertEqual(mcc!, 1, accuracy: 1e-12)
        XCTAssertEqual(pairs.map(\.latent), permutation)
        XCTAssertEqual(pairs[2].cosine, -1, accuracy: 1e-12, "the sign is kept in the pair, |cos| in MCC")
    }

    func testUniquenessCountsDistinctArgmaxes() {
        let g = Matrix<Double>(rows: 3, cols: 3, storage: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        let d = Matrix<Double>(rows: 4, cols: 3, storage: [1, 0.1, 0, 0.9, 0, 0.1, 0, 1, 0, 1, 0.2, 0])
        let (distinct, fraction) = DictionaryGeometry.uniqueness(DictionaryGeometry.cosines(g, d))
        XCTAssertEqual(distinct, 2)
        XCTAssertEqual(fraction!, 0.5)
    }

    func testPredictedEdgesEdgeF1AndLevelAssignmentByHand() {
        // Top decoder: latent 0 → bottom 0 (1.0), 1 (0.5), 2 (0.1, below 0.25·max); latent 1 → bottom 3.
        let w = Matrix<Double>(rows: 2, cols: 4, storage: [1, 0.5, 0.1, 0, 0, 0, 0, 2])
        let edges = DictionaryGeometry.predictedEdges(edgeWeights: w)
        XCTAssertEqual(edges, [LatentEdge(parent: 0, child: 0), LatentEdge(parent: 0, child: 1), LatentEdge(parent: 1, child: 3)])
        // Truth: 0 → {1, 2}, 3 → {4}. Top 0 ↦ 0, top 1 ↦ 3; bottom 0 ↦ 1, 1 ↦ 1, 3 ↦ 2.
        let tree = GroundTruthTree(parentOf: [nil, 0, 0, nil, 3])
        let recovery = GroundTruthMetrics.edgeRecovery(predicted: edges, topMatch: [0, 3], bottomMatch: [1, 1, nil, 2], tree: tree)
        // Predicted (0,1) ✓, (0,1) ✓ (same true edge), (3,2) ✗ → precision 2/3; recovered {0→1} of 3 → 1/3.
        XCTAssertEqual(recovery.precision!, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(recovery.recall!, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(recovery.f1!, 2 * (2.0 / 3) * (1.0 / 3) / 1.0, accuracy: 1e-12)

        XCTAssertEqual(tree.parents, [0, 3])
        XCTAssertEqual(tree.leaves, [1, 2, 4])
        var cosTop = Matrix<Double>(rows: 5, cols: 1), cosBottom = Matrix<Double>(rows: 5, cols: 1)
        let top: [Double] = [0.9, 0.2, 0.8, 0.1, 0.3], bottom: [Double] = [0.5, 0.9, 0.7, 0.4, 0.9]
        for n in 0..<5 { cosTop[n, 0] = top[n]; cosBottom[n, 0] = bottom[n] }
        let levels = GroundTruthMetrics.levelAssignment(cosTop: cosTop, cosBottom: cosBottom, tree: tree)
        XCTAssertEqual(levels.parents, 0.5, "parent 0 found at the top, parent 3 not")
        XCTAssertEqual(levels.leaves!, 2.0 / 3, accuracy: 1e-12, "leaf 2 is closer to a top latent")
    }

    func testFiringPrecisionRecallF1ByHand() {
        // truth on rows 0,1,2; latent fires on rows 1,2,3 → tp 2, precision 2/3, recall 2/3, F1 2/3.
        let truth = Matrix<Double>(rows: 5, cols: 1, storage: [1, 1, 1, 0, 0])
        let latent = Matrix<Double>(rows: 5, cols: 1, storage: [0, 2, 3, 1, 0])
        let acc = CorrelationAccumulator(p: 1, q: 1)
        acc.add(Firing.indicators(truth), Firing.indicators(latent))
        let s = GroundTruthMetrics.firingScores(cooccurrence: acc, matches: [FeatureMatch(truth: 0, latent: 0, cosine: 1)])[0]
        XCTAssertEqual(s.precision!, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(s.recall!, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(s.f1!, 2.0 / 3, accuracy: 1e-12)
    }

    func testAbsorptionGapByHand() {
        // Columns of truth: parent P, child C. Parent latent fires on 2 of 2 rows with P alone,
        // and on 1 of 4 rows with P and C: gap = 1 − 1/4.
        let truth = Matrix<Double>(rows: 7, cols: 2, storage: [1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1])
        let code = Matrix<Double>(rows: 7, cols: 2, storage: [0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 5, 0, 0, 1])
        let acc = AbsorptionAccumulator(edges: [LatentEdge(parent: 0, child: 1)], parentLatent: [1])
        acc.add(truth: truth.selecting(rows: [0, 1, 2]), code: code.selecting(rows: [0, 1, 2]))
        acc.add(truth: truth.selecting(rows: [3, 4, 5, 6]), code: code.selecting(rows: [3, 4, 5, 6]))
        let gap = acc.gaps()[0]
        XCTAssertEqual(gap.firesWithoutChild, 1)
        XCTAssertEqual(gap.firesWithChild, 0.25)
        XCTAssertEqual(gap.gap!, 0.75, accuracy: 1e-12)
        XCTAssertEqual(acc.meanGap()!, 0.75, accuracy: 1e-12)
    }

    func testParentDetectionAndChildGeometry() {
        let r = Matrix<Double>(rows: 2, cols: 3, storage: [0.1, 0.7, -0.9, 0.3, 0.2, 0.25])
        XCTAssertEqual(GroundTruthMetrics.bestCorrelation(r, row: 0)!.latent, 1)
        XCTAssertEqual(GroundTruthMetrics.bestCorrelation(r, row: 1)!.r, 0.3)
        // u = (1, 0); child d = (1, 1): d − u = (0, 1) ⟂ u → 0. Child d = (2, 0): d − u = u → 1.
        let u = Matrix<Double>(rows: 1, cols: 2, storage: [1, 0])
        let d = Matrix<Double>(rows: 2, cols: 2, storage: [1, 1, 2, 0])
        XCTAssertEqual(DictionaryGeometry.parentChildGeometry(edges: [LatentEdge(parent: 0, child: 0)], parentDirections: u, childDirections: d)!, 0, accuracy: 1e-12)
        XCTAssertEqual(DictionaryGeometry.parentChildGeometry(edges: [LatentEdge(parent: 0, child: 1)], parentDirections: u, childDirections: d)!, 1, accuracy: 1e-12)
        XCTAssertEqual(DictionaryGeometry.decoderRedundancy(d)!, (1 / 2.0.squareRoot()), accuracy: 1e-12)
    }
}

/// The smallest assignment cost over every injective map of the shorter side into the longer.
func bruteForceMinimum(_ cost: Matrix<Double>) -> Double {
    let transpose = cost.rows > cost.cols
    let a = transpose ? cost.transposed() : cost
    var best = Double.infinity
    func search(_ row: Int, _ used: Set<Int>, _ total: Double) {
        if row == a.rows { best = min(best, total); return }
        for j in 0..<a.cols where !used.contains(j) { search(row + 1, used.union([j]), total + a[row, j]) }
    }
    search(0, [], 0)
    return best
}
