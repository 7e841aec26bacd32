import Dist
import Foundation
import HSAE
import XCTest

/// Streaming accumulators: hand-computed values on tiny inputs, naive two-pass references, and
/// merge/allreduce of halves against the whole.
final class EvalAccumulatorTests: XCTestCase {
    func testFVUMSECosineAndShrinkageByHand() {
        // x = (1,0), (3,0); x̂ = (1,0), (2,0). SSE = 1; mean (2,0), SST = 2 → FVU 0.5.
        let stats = ReconstructionStats(d: 2)
        stats.add(Matrix<Float>(rows: 2, cols: 2, storage: [1, 0, 3, 0]),
                  reconstruction: Matrix<Float>(rows: 2, cols: 2, storage: [1, 0, 2, 0]))
        let s = stats.summary(name: "full")
        XCTAssertEqual(s.fvu!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(s.mse!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(s.cosine!, 1, accuracy: 1e-12)
        XCTAssertEqual(s.shrinkage!, (1 + 2.0 / 3) / 2, accuracy: 1e-12)
        XCTAssertEqual(s.rows, 2)
    }

    func testFVUOfBatchesAndOfMergedHalvesEqualsTwoPassValue() {
        let x: Matrix<Double> = randomMatrix(60, 5, seed: 1)
        var xhat = x
        xhat.add(randomMatrix(60, 5, seed: 2), scaledBy: 0.3)
        // Naive two-pass FVU.
        var mean = [Double](repeating: 0, count: 5)
        for i in 0..<60 { for j in 0..<5 { mean[j] += x[i, j] / 60 } }
        var sse = 0.0, sst = 0.0
        for i in 0..<60 { for j in 0..<5 { sse += pow(x[i, j] - xhat[i, j], 2); sst += pow(x[i, j] - mean[j], 2) } }

        let whole = ReconstructionStats(d: 5, centre: [0.1, -0.2, 0.3, 0, 5])
        let first = ReconstructionStats(d: 5, centre: [0.1, -0.2, 0.3, 0, 5])
        let second = ReconstructionStats(d: 5, centre: [0.1, -0.2, 0.3, 0, 5])
        for (lo, hi) in [(0, 17), (17, 30), (30, 60)] {
            let rows = Array(lo..<hi)
            whole.add(x.selecting(rows: rows), reconstruction: xhat.selecting(rows: rows))
            (hi <= 30 ? first : second).add(x.selecting(rows: rows), reconstruction: xhat.selecting(rows: rows))
        }
        XCTAssertEqual(whole.fvu!, sse / sst, accuracy: 1e-12)
        first.merge(from: second)
        XCTAssertEqual(first.fvu!, sse / sst, accuracy: 1e-12)
        XCTAssertEqual(first.summary(name: "a").cosine!, whole.summary(name: "a").cosine!, accuracy: 1e-12)
    }

    func testCodeStatsByHand() {
        let stats = CodeStats(latents: 3)
        stats.add(Matrix<Float>(rows: 2, cols: 3, storage: [1, 0, 0, 2, 3, 0]))
        let s = stats.summary(name: "bottom", targetSparsity: 0.9)
        XCTAssertEqual(s.meanL0, 1.5)
        XCTAssertEqual(s.stdL0, 0.5, accuracy: 1e-12)
        XCTAssertEqual(s.sparsity, 0.5)
        XCTAssertEqual(s.dead, 1)
        XCTAssertEqual(stats.frequencies, [1, 0.5, 0])
        XCTAssertEqual(stats.meanActivationWhenFiring, [1.5, 3, 0])
        XCTAssertEqual(s.frequencyHistogram.underflow, 1, "the dead latent is below every bin")
        XCTAssertEqual(s.frequencyHistogram.counts.reduce(0, +), 2)
    }

    func testHistogramBinsAndOutOfRangeValues() {
        let h = Histogram(quantity: "v", edges: [0, 1, 2], values: [-1, 0, 0.5, 1, 2, 3, .nan])
        XCTAssertEqual(h.counts, [2, 2])
        XCTAssertEqual(h.underflow, 2)
        XCTAssertEqual(h.overflow, 1)
    }

    func testPearsonMatchesNaiveTwoPassWithConstantColumn() {
        var a: Matrix<Double> = randomMatrix(40, 3, seed: 3)
        let b: Matrix<Double> = randomMatrix(40, 4, seed: 4)
        for i in 0..<40 { a[i, 2] = 7; a[i, 1] = a[i, 1] + 0.8 * b[i, 0] }
        let acc = CorrelationAccumulator(p: 3, q: 4)
        acc.add(a.selecting(rows: Array(0..<13)), b.selecting(rows: Array(0..<13)))
        acc.add(a.selecting(rows: Array(13..<40)), b.selecting(rows: Array(13..<40)))
        let r = acc.pearson()
        for j in 0..<3 {
            for i in 0..<4 {
                XCTAssertEqual(r[j, i], naivePearson((0..<40).map { a[$0, j] }, (0..<40).map { b[$0, i] }), accuracy: 1e-12, "(\(j),\(i))")
            }
        }
        XCTAssertEqual(r[2, 0], 0, "a constant column correlates with nothing")
        XCTAssertGreaterThan(r[1, 0], 0.5)
    }

    func testFiringConditionalProbabilityAndMutualInformationByHand() {
        // parent fires on rows 0,1; child c0 on rows 0,2 (independent of it); child c1 = parent.
        let parent = Matrix<Double>(rows: 4, cols: 1, storage: [1, 1, 0, 0])
        let children = Matrix<Double>(rows: 4, cols: 2, storage: [1, 1, 0, 1, 1, 0, 0, 0])
        let acc = CorrelationAccumulator(p: 1, q: 2)
        acc.add(Firing.indicators(parent), Firing.indicators(children))
        XCTAssertEqual(acc.conditionalProbability(0, given: 0), 0.5)
        XCTAssertEqual(acc.conditionalProbability(0, given: 1), 1)
        XCTAssertEqual(acc.firingMutualInformation(0, 0), 0, accuracy: 1e-12)
        XCTAssertEqual(acc.firingMutualInformation(0, 1), 1, accuracy: 1e-12, "identical fair coins share 1 bit")
        let consistency = acc.hierarchyConsistency(edges: [LatentEdge(parent: 0, child: 0), LatentEdge(parent: 0, child: 1)])
        XCTAssertEqual(consistency.mean!, 0.75, accuracy: 1e-12)
        XCTAssertEqual(acc.meanFiringMutualInformation(), 0.5, accuracy: 1e-12)
    }

    func testZeroAblationMatchesDirectRecomputation() {
        let (n, m, d) = (30, 4, 6)
        var z: Matrix<Double> = randomMatrix(n, m, seed: 5)
        z.storage = z.storage.map { max(0, $0) }
        let e: Matrix<Double> = randomMatrix(m, d, seed: 6)
        let x: Matrix<Double> = randomMatrix(n, d, seed: 7)
        let xhat = Matrix.product(z, e)
        var residual = x
        residual.add(xhat, scaledBy: -1)
        let ablation = LatentAblationStats(directions: e)
        ablation.add(residual: residual.selecting(rows: Array(0..<11)), code: z.selecting(rows: Array(0..<11)))
        ablation.add(residual: residual.selecting(rows: Array(11..<n)), code: z.selecting(rows: Array(11..<n)))
        for i in 0..<m {
            var zi = z
            for r in 0..<n { zi[r, i] = 0 }
            var ablated = x
            ablated.add(Matrix.product(zi, e), scaledBy: -1)
            XCTAssertEqual(ablation.deltaSSE[i], ablated.dot(ablated) - residual.dot(residual), accuracy: 1e-9, "latent \(i)")
        }
        let top = ablation.strongest(2, sst: 10, layer: "bottom")
        XCTAssertEqual(top.count, 2)
        XCTAssertGreaterThanOrEqual(top[0].deltaFvu, top[1].deltaFvu)
    }

    func testCompressionBitsByHand() {
        XCTAssertEqual(CompressionPoint.bitsPerToken(meanL0: 10, latents: 4096, valueBits: 8), 200)
        let point = CompressionPoint(name: "full", codes: [(10, 4096), (5, 1024)], d: 384, fvu: 0.1)
        XCTAssertEqual(point.bitsPerToken, 200 + 5 * 18)
        XCTAssertEqual(point.rawBitsPerToken, 6144)
        XCTAssertEqual(point.ratio!, 6144.0 / 290, accuracy: 1e-12)
    }

    /// The same batches reduced on one rank and split over two give the same bits, and match a
    /// plain Double sum of the batches to rounding.
    func testExactAllreduceOverTwoRanksEqualsSingleRankStatisticsBitForBit() throws {
        let x: Matrix<Float> = randomMatrix(20, 3, seed: 8)
        let code = Matrix<Float>(rows: 20, cols: 3, storage: x.storage.map { max(0, $0) })
        let batches = [0..<4, 4..<9, 9..<15, 15..<20]
        let shares = [batches[..<1], batches[1...]]  // rank 0: one batch, rank 1: three
        func parts() -> [any SumAccumulator] {
            [ReconstructionStats(d: 3), CodeStats(latents: 3), CorrelationAccumulator(p: 3, q: 3)]
        }
        func add(_ rows: Range<Int>, to p: [any SumAccumulator]) {
            let slice = x.selecting(rows: Array(rows)), z = code.selecting(rows: Array(rows))
            (p[0] as! ReconstructionStats).add(slice, reconstruction: z)
            (p[1] as! CodeStats).add(z)
            (p[2] as! CorrelationAccumulator).add(z, slice)
        }
        let plain = parts()  // Double sums of every batch in order
        for b in batches { add(b, to: plain) }

        let single = parts(), exactSingle = ExactAccumulation(single, ranks: 1)
        for b in batches.reversed() { exactSingle.beginBatch(); add(b, to: single); exactSingle.endBatch() }  // any order
        try exactSingle.writeTotals()

        let comms = Communicator.threadGroup(size: 2)
        let reduced = [parts(), parts()]
        let exact = reduced.map { ExactAccumulation($0, ranks: 2) }
        for rank in 0..<2 {
            for b in shares[rank] {
                exact[rank].beginBatch(); add(b, to: reduced[rank]); exact[rank].endBatch()
            }
        }
        // One Thread per rank: both must be inside the collective at once.
        for case .failure(let error) in onRankThreads(2, { rank in try exact[rank].allreduce(over: comms[rank]) }) {
            XCTFail("\(error)")
        }
        for rank in 0..<2 {
            for (k, part) in reduced[rank].enumerated() {
                XCTAssertEqual(part.sums, single[k].sums, "rank \(rank), part \(k): bit for bit")
                for (got, want) in zip(part.sums, plain[k].sums) { XCTAssertEqual(got, want, accuracy: 1e-12 * max(1, abs(want))) }
            }
        }
    }

    /// The fixed point by hand: 2^-16 and 2^-56 limbs, exact for representable values, the rounding
    /// of the low limb bounded by 2^-57 per partial, and the range error on every rank alike.
    func testExactAccumulationLimbsRoundingAndRange() throws {
        let part = PlainSums(count: 4)
        let exact = ExactAccumulation([part], ranks: 1)
        let values: [[Double]] = [[1.5, -3, 0x1p-40, 1e-20], [0.1, 1e9 + 0.25, -0x1p-40, 1e-20]]
        for v in values { exact.beginBatch(); part.sums = v; exact.endBatch() }
        try exact.writeTotals()
        XCTAssertEqual(part.sums[0], 1.6, accuracy: 0x1p-56, "0.1's bits below 2^-56 rounded away")
        XCTAssertEqual(part.sums[1], 1e9 - 2.75, "multiples of 2^-16: exact")
        XCTAssertEqual(part.sums[2], 0, "2^-40 and −2^-40 cancel exactly")
        XCTAssertEqual(part.sums[3], 0, "1e-20 is below the low limb's resolution (2^-56 ≈ 1.4e-17)")

        let big = PlainSums(count: 2)
        let overflow = ExactAccumulation([big], ranks: 1)
        overflow.beginBatch(); big.sums = [0x1p40, .nan]; overflow.endBatch()
        XCTAssertThrowsError(try overflow.writeTotals()) { error in
            XCTAssertTrue("\(error)".hasPrefix("2 evaluation sum(s) are not finite or exceed"), "\(error)")
        }
    }
}

func naivePearson(_ a: [Double], _ b: [Double]) -> Double {
    let n = Double(a.count)
    let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
    let cov = zip(a, b).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) }
    let va = a.reduce(0) { $0 + ($1 - ma) * ($1 - ma) }, vb = b.reduce(0) { $0 + ($1 - mb) * ($1 - mb) }
    return va > 0 && vb > 0 ? cov / (va * vb).squareRoot() : 0
}
