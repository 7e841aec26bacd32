@testable import HSAE
import XCTest

/// Probes: logistic regression reaches the optimum, controls sit at chance, splits keep documents whole.
final class EvalProbeTests: XCTestCase {
    /// Three well-separated Gaussian blobs in 4-D; rows alternate between classes.
    func blobs(_ n: Int, seed: UInt64, spread: Double = 0.3) -> (Matrix<Double>, [Int]) {
        var rng = SplitMix64(seed: seed)
        let centres: [[Double]] = [[3, 0, 0, 1], [0, 3, 0, 1], [0, 0, 3, 1]]
        var x = Matrix<Double>(rows: n, cols: 4)
        let labels = (0..<n).map { $0 % 3 }
        for i in 0..<n { for j in 0..<4 { x[i, j] = centres[labels[i]][j] + spread * rng.nextGaussian() } }
        return (x, labels)
    }

    func testLBFGSFindsTheMinimumOfAQuadratic() {
        // f = Σ c_i (θ_i − t_i)², minimum at t.
        let c: [Double] = [1, 10, 100], t: [Double] = [1, -2, 3]
        let result = LBFGS(tolerance: 1e-10).minimize(from: [0, 0, 0]) { theta in
            (zip(zip(c, t), theta).reduce(0) { $0 + $1.0.0 * pow($1.1 - $1.0.1, 2) },
             (0..<3).map { 2 * c[$0] * (theta[$0] - t[$0]) })
        }
        XCTAssertTrue(result.converged)
        for i in 0..<3 { XCTAssertEqual(result.parameters[i], t[i], accuracy: 1e-8) }
    }

    func testLogisticRegressionGradientMatchesFiniteDifferencesAndVanishesAtTheFit() {
        let (x, y) = blobs(30, seed: 1, spread: 2)
        let labels = y.enumerated().map { $0.offset < 20 ? $0.element : 0 }  // unbalanced: class 0 is the majority
        let objective = LogisticRegression.Objective(standardised: x, classIndices: labels, classes: 3, l2: 0.1, weighting: .balanced)
        var rng = SplitMix64(seed: 2)
        let theta = (0..<15).map { _ in rng.nextSigned() }
        let (_, gradient) = objective(theta)
        for i in 0..<15 {
            var plus = theta, minus = theta
            plus[i] += 1e-6
            minus[i] -= 1e-6
            let numeric = (objective(plus).value - objective(minus).value) / 2e-6
            XCTAssertEqual(gradient[i], numeric, accuracy: 1e-7 * max(1, abs(numeric)), "θ[\(i)]")
        }
        let model = LogisticRegression.fit(x: x, labels: labels, l2: 0.1, optimizer: LBFGS(tolerance: 1e-7))
        XCTAssertTrue(model.converged)
        XCTAssertEqual(model.classes, [0, 1, 2])
    }

    /// A code-like matrix: n × p, each row its class's own latent plus `active` − 1 non-zero entries
    /// at random columns (so that the classes are learnable).
    func sparseCode(_ n: Int, cols p: Int, active: Int, classes K: Int, seed: UInt64) -> (Matrix<Double>, [Int]) {
        var rng = SplitMix64(seed: seed)
        var x = Matrix<Double>(rows: n, cols: p)
        let labels = (0..<n).map { $0 % K }
        for i in 0..<n {
            x[i, labels[i] * (p / K)] = 1 + rng.nextUnit()  // the class's own latent
            for _ in 1..<active { x[i, Int(rng.next() % UInt64(p))] = rng.nextUnit() * 3 }
        }
        return (x, labels)
    }

    /// The sparse objective (X's non-zeros, standardisation by algebra) against the dense one on X̃:
    /// the same value and gradient to rounding, and its gradient against finite differences.
    func testSparseObjectiveMatchesTheDenseOneAndFiniteDifferences() {
        let (x, labels) = sparseCode(90, cols: 80, active: 4, classes: 5, seed: 4)
        XCTAssertTrue(SparseFeatures.pays(x), "5 % dense, 80 columns")
        let (mean, scale) = LogisticRegression.standardisation(x)
        let dense = LogisticRegression.Objective(standardised: LogisticRegression.standardise(x, mean: mean, scale: scale),
                                                 classIndices: labels, classes: 5, l2: 0.01, weighting: .balanced)
        let sparse = LogisticRegression.Objective(features: .sparse(SparseFeatures(x, mean: mean, scale: scale)),
                                                  classIndices: labels, classes: 5, l2: 0.01, weighting: .balanced)
        var rng = SplitMix64(seed: 5)
        let theta = (0 ..< 80 * 5 + 5).map { _ in rng.nextSigned() }
        let (a, b) = (dense(theta), sparse(theta))
        XCTAssertEqual(a.value, b.value, accuracy: 1e-12 * abs(a.value))
        let largest = a.gradient.map(abs).max()!
        for i in theta.indices { XCTAssertEqual(a.gradient[i], b.gradient[i], accuracy: 1e-12 * largest, "θ[\(i)]") }
        for i in stride(from: 0, to: theta.count, by: 7) {
            var plus = theta, minus = theta
            plus[i] += 1e-6
            minus[i] -= 1e-6
            let numeric = (sparse(plus).value - sparse(minus).value) / 2e-6
            XCTAssertEqual(b.gradient[i], numeric, accuracy: 1e-7 * max(1, abs(numeric)), "θ[\(i)]")
        }
    }

    /// A fit through the sparse path predicts what the dense path's fit predicts.
    func testSparseFitPredictsAsTheDenseFit() {
        let (x, labels) = sparseCode(300, cols: 120, active: 5, classes: 6, seed: 6)
        let sparse = LogisticRegression.fit(x: x, labels: labels)
        let (mean, scale) = LogisticRegression.standardisation(x)
        let objective = LogisticRegression.Objective(standardised: LogisticRegression.standardise(x, mean: mean, scale: scale),
                                                     classIndices: labels, classes: 6, l2: 1e-3, weighting: .balanced)
        let dense = LBFGS(tolerance: 1e-5).minimize(from: [Double](repeating: 0, count: 120 * 6 + 6)) { objective($0) }
        XCTAssertTrue(sparse.converged && dense.converged)
        let denseModel = LogisticRegression(classes: Array(0..<6), mean: mean, scale: scale,
                                            weights: Matrix(rows: 120, cols: 6, storage: Array(dense.parameters[0 ..< 720])),
                                            bias: Array(dense.parameters[720...]), iterations: dense.iterations, converged: true)
        let (test, _) = sparseCode(200, cols: 120, active: 5, classes: 6, seed: 7)
        XCTAssertEqual(sparse.predict(test), denseModel.predict(test))
        XCTAssertFalse(SparseFeatures.pays(Matrix(rows: 10, cols: 8, storage: [Double](repeating: 0, count: 80))), "narrow: dense gemms")
        XCTAssertFalse(SparseFeatures.pays(Matrix(rows: 10, cols: 80, storage: (0..<800).map { Double($0 % 5) })), "80 % non-zero: dense gemms")
    }

    /// predict's argmax: scores within 1e-9 · max(1, |largest|) of the largest tie, and the first wins.
    func testTiedScoresGoToTheFirstClass() {
        XCTAssertEqual(LogisticRegression.firstOfTiedMaxima([1, 3, 3 + 1e-12, 2][...]), 1)
        XCTAssertEqual(LogisticRegression.firstOfTiedMaxima([1, 3, 3.001, 2][...]), 2)
        XCTAssertEqual(LogisticRegression.firstOfTiedMaxima([-5 - 1e-12, -5, -7][...]), 0)
        XCTAssertEqual(LogisticRegression.firstOfTiedMaxima([0, 2e3, 2e3 * (1 + 2e-9)][...]), 2, "relative: 4e-6 apart at 2e3")
        XCTAssertEqual(LogisticRegression.firstOfTiedMaxima([0, 2e3, 2e3 * (1 + 1e-10)][...]), 1, "relative: 2e-7 apart at 2e3 tie")
        XCTAssertEqual(LogisticRegression.firstOfTiedMaxima([-1e7, 0.5, 0.5 + 1e-6][...]), 2, "a far-off class does not widen the tie")
        XCTAssertEqual(LogisticRegression.firstOfTiedMaxima([1, .nan, 2, 2][...]), 2, "non-finite: the plain argmax")
        XCTAssertEqual(LogisticRegression.firstOfTiedMaxima([7, 2, 9, 9][...].dropFirst()), 1, "a slice's own indices")
        // A model whose class biases differ by rounding alone predicts the first class everywhere.
        let model = LogisticRegression(classes: [4, 8, 9], mean: [0], scale: [1], weights: Matrix(rows: 1, cols: 3, storage: [0, 0, 0]),
                                       bias: [0.25, 0.25 + 1e-15, 0.25 - 1e-15], iterations: 0, converged: true)
        XCTAssertEqual(model.predict(Matrix(rows: 2, cols: 1, storage: [0, 1])), [4, 4])
    }

    func testSeparableSetReachesFullTestAccuracy() {
        let (x, y) = blobs(300, seed: 2)
        let score = Probe.evaluate(code: "x", features: x, labels: y, split: .byRows(count: 300))
        XCTAssertEqual(score.accuracy, 1)
        XCTAssertEqual(score.macroF1, 1)
        XCTAssertEqual(score.testRows, 60)
        XCTAssertEqual(score.converged, true)
        XCTAssertLessThan(score.majorityAccuracy!, 0.4, "three balanced classes: majority ≈ 1/3")
        XCTAssertLessThan(score.shuffledAccuracy!, 0.6, "shuffled labels carry no signal")
    }

    func testShuffledAndRandomLabelsStayNearChance() {
        var rng = SplitMix64(seed: 3)
        let n = 1000
        let x = Matrix<Double>(rows: n, cols: 8, storage: (0..<(n * 8)).map { _ in rng.nextGaussian() })
        let y = (0..<n).map { _ in Int(rng.next() % 2) }
        let score = Probe.evaluate(code: "noise", features: x, labels: y, split: .byRows(count: n))
        XCTAssertEqual(score.accuracy!, 0.5, accuracy: 0.1)
        XCTAssertEqual(score.shuffledAccuracy!, 0.5, accuracy: 0.1)
    }

    func testBalancedClassWeightsRecoverTheMinorityClass() {
        // 90 % class 0 around 0, 10 % class 1 around 1.2, unit noise: unweighted, the probe
        // mostly predicts 0; balanced, it finds more of class 1.
        var rng = SplitMix64(seed: 4)
        let n = 2000
        let y = (0..<n).map { $0 % 10 == 0 ? 1 : 0 }
        let x = Matrix<Double>(rows: n, cols: 1, storage: y.map { 1.2 * Double($0) + rng.nextGaussian() })
        func minorityRecall(_ weighting: LogisticRegression.ClassWeighting) -> Double {
            let model = LogisticRegression.fit(x: x, labels: y, weighting: weighting)
            let predicted = model.predict(x)
            let minority = y.indices.filter { y[$0] == 1 }
            return Double(minority.filter { predicted[$0] == 1 }.count) / Double(minority.count)
        }
        let unweighted = minorityRecall(.none), balanced = minorityRecall(.balanced)
        XCTAssertLessThan(unweighted, 0.2)
        XCTAssertGreaterThan(balanced, 0.5)
    }

    func testAccuracyAndMacroF1ByHand() {
        let predicted = [0, 0, 1, 1], truth = [0, 1, 1, 1]
        XCTAssertEqual(ClassificationMetrics.accuracy(predicted: predicted, truth: truth), 0.75)
        // class 0: tp 1, fp 1, fn 0 → 2/3; class 1: tp 2, fp 0, fn 1 → 4/5.
        XCTAssertEqual(ClassificationMetrics.macroF1(predicted: predicted, truth: truth)!, (2.0 / 3 + 0.8) / 2, accuracy: 1e-12)
        XCTAssertEqual(Probe.majorityLabel([2, 1, 2, 1, 0]), 1, "ties go to the smallest label")
    }

    /// Macro-F1 sums the per-class F1s in ascending class order, exactly: a report must not change in
    /// its last digits from one process to the next (summing in a Set's order did — the order is
    /// seeded per process). Eleven sets of 200–570 classes of different F1s, whose sums in Double depend on the order.
    func testMacroF1SumsInClassOrder() {
        for classes in stride(from: 200, to: 600, by: 37) {  // set sizes with different iteration orders
            var predicted: [Int] = [], truth: [Int] = []
            for c in 0..<classes {
                let n = 20 + (37 * c) % 101, right = 1 + (11 * c) % (n - 1)  // class c: n rows, `right` predicted correctly
                truth += Array(repeating: c, count: n)
                predicted += Array(repeating: c, count: right) + Array(repeating: (c + 1 + c % 5) % classes, count: n - right)
            }
            var tp = [Double](repeating: 0, count: classes), fp = tp, fn = tp
            for (p, t) in zip(predicted, truth) { if p == t { tp[t] += 1 } else { fp[p] += 1; fn[t] += 1 } }
            var sum = 0.0
            for c in 0..<classes { sum += 2 * tp[c] / (2 * tp[c] + fp[c] + fn[c]) }
            XCTAssertEqual(ClassificationMetrics.macroF1(predicted: predicted, truth: truth), sum / Double(classes), "\(classes) classes")
        }
    }

    func testDocumentSplitKeepsDocumentsWholeAndRowSplitIsContiguous() {
        let docs = (0..<200).map { $0 / 7 } + [-1, -1]
        let split = ProbeSplit.byDocument(docIDs: docs, testFraction: 0.25, seed: 9)
        XCTAssertEqual(split.kind, "document")
        XCTAssertTrue(Set(split.train.map { docs[$0] }).isDisjoint(with: split.test.map { docs[$0] }))
        XCTAssertEqual(split.train.count + split.test.count, 200, "rows without a document are left out")
        XCTAssertEqual(Set(split.test.map { docs[$0] }).count, 8, "⌈0.25 · 29⌉ documents held out")
        let rows = ProbeSplit.byRows(count: 10, testFraction: 0.2)
        XCTAssertEqual(rows.train, Array(0..<8))
        XCTAssertEqual(rows.test, [8, 9])
    }

    func testKSparseProbeFindsTheInformativeFeatureAndLevelIndexHasItsSign() {
        // 20 noise features; the label is carried by feature 13 of the "Z2" code only.
        var rng = SplitMix64(seed: 5)
        let n = 600
        let y = (0..<n).map { ($0 / 3) % 2 }
        var top = Matrix<Double>(rows: n, cols: 20, storage: (0..<(n * 20)).map { _ in max(0, rng.nextGaussian()) })
        for i in 0..<n { top[i, 13] = Double(y[i]) * 2 + 0.2 * abs(rng.nextGaussian()) }
        let bottom = Matrix<Double>(rows: n, cols: 20, storage: (0..<(n * 20)).map { _ in max(0, rng.nextGaussian()) })
        XCTAssertEqual(Probe.rankByMeanDifference(top, labels: y).first, 13)
        var options = Probe.Options()
        options.ks = [1, 2]
        let result = ProbeSuite.run(label: "parent", level: "parent", labels: y,
                                    codes: [("Z1", bottom), ("Z2", top), ("Z1+Z2", .concatenatingColumns([bottom, top]))],
                                    split: .byRows(count: n), options: options)
        XCTAssertEqual(result.scores.count, 9)
        let k1 = result.scores.first { $0.code == "Z2" && $0.k == 1 }!
        XCTAssertEqual(k1.features, [13])
        XCTAssertEqual(k1.accuracy, 1)
        XCTAssertEqual(result.levelIndex.map(\.k), [nil, 1, 2])
        XCTAssertTrue(result.levelIndex.allSatisfy { $0.value > 0.3 }, "\(result.levelIndex)")
    }

    func testMatryoshkaLevelIndexIsPrefixAccuracyMinusRestAccuracyByHand() {
        // 100 rows, label y = 1 on every 4th row; rows 0..<80 train, 80..<100 test (5 ones, 15 zeros).
        // The baseline code has groups [2, 2]: column 0 of the prefix equals y (column 1 is 0), so the
        // prefix probe is right on all 20 test rows; column 2 of the rest holds y with 5 test rows
        // flipped (82, 85, 90, 93, 97, all y = 0) and 2 of the 80 training rows flipped (10, 51), so
        // the rest probe follows that column and is right on 15 of 20 (column 3 is 0). By hand:
        // prefix 1, rest 0.75, baseline level index +0.25, with all features and with k = 1.
        let n = 100
        let y = (0..<n).map { $0 % 4 == 0 ? 1 : 0 }
        var code = Matrix<Double>(rows: n, cols: 4)
        let flipped: Set<Int> = [82, 85, 90, 93, 97, 10, 51]
        for i in 0..<n {
            code[i, 0] = Double(y[i])
            code[i, 2] = Double(flipped.contains(i) ? 1 - y[i] : y[i])
        }
        let levels = ProbeSuite.matryoshkaLevels(code, prefix: 2)!
        XCTAssertEqual(levels.prefix.cols, 2)
        XCTAssertEqual(levels.rest.cols, 2)
        XCTAssertEqual((0..<n).map { levels.prefix[$0, 0] }, (0..<n).map { code[$0, 0] })
        XCTAssertEqual((0..<n).map { levels.rest[$0, 0] }, (0..<n).map { code[$0, 2] })
        XCTAssertNil(ProbeSuite.matryoshkaLevels(code, prefix: nil), "no prefix path (a flat model, one group): no levels")
        var options = Probe.Options()
        options.ks = [1]
        let result = ProbeSuite.run(label: "y", level: "parent", labels: y,
                                    codes: [(ProbeSuite.prefixCode, levels.prefix), (ProbeSuite.restCode, levels.rest)],
                                    split: .byRows(count: n), options: options)
        let prefix = result.scores.first { $0.code == ProbeSuite.prefixCode && $0.k == nil }!
        let rest = result.scores.first { $0.code == ProbeSuite.restCode && $0.k == nil }!
        XCTAssertEqual(prefix.accuracy, 1)
        XCTAssertEqual(rest.accuracy, 0.75)
        XCTAssertEqual(result.baselineLevelIndex?.map(\.k), [nil, 1])
        XCTAssertEqual(result.baselineLevelIndex?.first?.value ?? .nan, 0.25, accuracy: 1e-12)
        XCTAssertEqual(result.baselineLevelIndex?.last?.value ?? .nan, 0.25, accuracy: 1e-12, "k = 1 keeps the flip-carrying column")
        XCTAssertTrue(result.levelIndex.isEmpty, "no Z1/Z2 codes: no HSAE level index")
        // Without the two codes there is no baseline level index, and the report JSON omits it.
        let plain = ProbeSuite.run(label: "y", level: nil, labels: y, codes: [("Z1", levels.rest), ("Z2", levels.prefix)],
                                   split: .byRows(count: n), options: options)
        XCTAssertNil(plain.baselineLevelIndex)
        XCTAssertEqual(plain.levelIndex.first?.value ?? .nan, 0.25, accuracy: 1e-12)
        let json = String(decoding: try! JSONEncoder().encode(plain), as: UTF8.self)
        XCTAssertFalse(json.contains("baselineLevelIndex"), json)
    }

    func testMostFrequentKeepsTheTopValuesAndMarksTheRestMissing() {
        // counts: 7 ×3, 5 ×2, 9 ×1, 3 ×1 (and one missing): keep 2 → 7 and 5.
        XCTAssertEqual(ProbeSuite.mostFrequent([5, 5, 7, 7, 7, 9, -1, 3], count: 2), [5, 5, 7, 7, 7, -1, -1, -1])
        // a tie (1 and 2 twice each): the smaller value first.
        XCTAssertEqual(ProbeSuite.mostFrequent([1, 2, 2, 1, 3], count: 1), [1, -1, -1, 1, -1])
        XCTAssertEqual(ProbeSuite.mostFrequent([4, 4, 6], count: 5), [4, 4, 6])
        XCTAssertEqual(ProbeSuite.mostFrequent([4, 4, 6], count: 0), [-1, -1, -1])
    }
}
