import Dist
import Foundation
import HSAE
import XCTest

/// The training loop's units, each against a hand-computed case or a naive reference:
/// the learning-rate schedule, Adam, the data order, the gradient reducer, the model's
/// constraints and the resume compatibility check. (The L1 controller and top-k selection are
/// tested beside their own code: SparsityControllerTests, SparseKernelTests.)
final class TrainingUnitTests: XCTestCase {
    private var retained: [AnyObject] = []

    // MARK: LearningRateSchedule

    /// lr(s) = base · min(1, (s+1)/W) · min(1, (S − s)/D) at hand-computed points.
    func testScheduleWarmsUpHoldsAndDecaysLinearly() {
        let s = LearningRateSchedule(base: 2, warmup: 0.1, decay: 0.2)   // S = 50: W = 5, D = 10
        let expected: [Int: Double] = [0: 2.0 / 5, 1: 4.0 / 5, 4: 2, 10: 2, 39: 2, 40: 2, 41: 2 * 9.0 / 10, 45: 2 * 5.0 / 10, 49: 2 * 1.0 / 10]
        for (step, want) in expected { XCTAssertEqual(s.rate(step: step, of: 50), want, accuracy: 1e-12, "step \(step)") }
        // W and D round up and are at least 1: S = 7, warmup 0.01 → W = 1, decay 0.2 → D = 2.
        let t = LearningRateSchedule(base: 1, warmup: 0.01, decay: 0.2)
        XCTAssertEqual((0..<7).map { t.rate(step: $0, of: 7) }, [1, 1, 1, 1, 1, 1, 0.5])
    }

    // MARK: Adam

    /// Three steps against the update rule evaluated in float64, with clipping active on the
    /// first step; frozen positions (outside the ranges) keep their parameter and moments.
    func testAdamMatchesTheUpdateRuleAndLeavesFrozenRangesAlone() {
        let n = 9, ranges = [0..<4, 6..<8]
        let params = TensorBuffer<Float>((0..<n).map { Float($0) * 0.25 - 1 })
        let grads = TensorBuffer<Float>(count: n)
        retained += [params, grads]
        let adam = Adam(count: n)
        var p = (0..<n).map { Double(params[$0]) }, m = [Double](repeating: 0, count: n), v = m
        let gradSteps: [[Double]] = [[3, -4, 0, 12, 99, 99, 1, -2, 99], [0.1, 0.2, -0.3, 0, 99, 99, 0.5, 0, 99], [-1, 1, -1, 1, 99, 99, 0, 0, 99]]
        for (t, g) in gradSteps.enumerated() {
            for i in 0..<n { grads[i] = Float(g[i]) }
            let inRange = ranges.flatMap { Array($0) }
            let norm = inRange.reduce(0) { $0 + g[$1] * g[$1] }.squareRoot()
            let maxNorm = 5.0
            let clip = norm > maxNorm ? maxNorm / norm : 1
            let returned = adam.step(params: params, grads: grads, ranges: ranges, lr: 0.01, maxNorm: maxNorm)
            XCTAssertEqual(returned, norm, accuracy: 1e-5 * norm, "step \(t + 1): the pre-clip norm")
            let c1 = 1 - pow(0.9, Double(t + 1)), c2 = 1 - pow(0.999, Double(t + 1))
            for i in inRange {
                let gi = g[i] * clip
                m[i] = 0.9 * m[i] + 0.1 * gi
                v[i] = 0.999 * v[i] + 0.001 * gi * gi
                p[i] -= 0.01 * (m[i] / c1) / ((v[i] / c2).squareRoot() + 1e-8)
            }
            for i in 0..<n {
                XCTAssertEqual(Double(params[i]), p[i], accuracy: 1e-5, "step \(t + 1) θ[\(i)]")
                XCTAssertEqual(Double(adam.m[i]), m[i], accuracy: 1e-6, "step \(t + 1) m[\(i)]")
                XCTAssertEqual(Double(adam.v[i]), v[i], accuracy: 1e-6, "step \(t + 1) v[\(i)]")
            }
        }
        XCTAssertEqual(adam.t, 3)
        adam.reset()
        XCTAssertEqual(adam.t, 0)
        XCTAssertTrue((0..<n).allSatisfy { adam.m[$0] == 0 && adam.v[$0] == 0 })
    }

    // MARK: DataOrder

    /// Each epoch of the stream is a permutation of the rows; microbatches are consecutive
    /// slices of the stream, also across an epoch boundary; a row list maps positions to ids.
    func testDataOrderIsAPermutationPerEpochAndSlicesTheStream() {
        for count in [1, 2, 10, 257, 1000] {
            let order = DataOrder(count: count, seed: 7, batch: 4, microbatch: 2)
            for epoch in 0..<3 {
                let ids = (0..<count).map { order.row(atStreamPosition: epoch * count + $0) }
                XCTAssertEqual(ids.sorted(), Array(0..<count), "count \(count) epoch \(epoch)")
            }
            for t in 0..<(3 * count / 4 + 1) {
                for q in 0..<2 {
                    let want = (0..<2).map { order.row(atStreamPosition: t * 4 + q * 2 + $0) }
                    XCTAssertEqual(order.rows(batch: t, microbatch: q), want, "count \(count) batch \(t) microbatch \(q)")
                }
            }
        }
        let a = DataOrder(count: 1000, seed: 7, batch: 4, microbatch: 2), b = DataOrder(count: 1000, seed: 8, batch: 4, microbatch: 2)
        XCTAssertNotEqual((0..<20).map { a.row(atStreamPosition: $0) }, (0..<20).map { b.row(atStreamPosition: $0) }, "the seed must matter")
        XCTAssertNotEqual((0..<1000).map { a.row(atStreamPosition: $0) }, (0..<1000).map { a.row(atStreamPosition: 1000 + $0) },
                          "each epoch has its own permutation")
        let subset = [3, 5, 8, 13, 21]
        let mapped = DataOrder(count: 100, rows: subset, seed: 1, batch: 5, microbatch: 5)
        XCTAssertEqual(mapped.rows(batch: 0, microbatch: 0).sorted(), subset)
    }

    /// The ranks' microbatch ranges partition the batch's microbatches, in rank order.
    func testMicrobatchesPartitionTheBatchAcrossRanks() {
        let order = DataOrder(count: 100, seed: 0, batch: 48, microbatch: 4)   // 12 microbatches
        for w in [1, 2, 3, 4, 6, 12] {
            let ranges = (0..<w).map { order.microbatches(rank: $0, ranks: w) }
            XCTAssertEqual(ranges.flatMap { Array($0) }, Array(0..<12), "W = \(w)")
        }
    }

    // MARK: GradientReducer

    /// The same 4 microbatches reduced by 1, 2 and 4 ranks: exact mode gives the same bits for
    /// every W, equal to the float64 sum within the fixed-point step; positions outside the
    /// trainable ranges are untouched; stats are sums; a failed rank is counted; fast mode agrees
    /// to float rounding.
    func testReducerSumsMicrobatchesIdenticallyForEveryRankCount() throws {
        // Two layers of 2 and 1 latents and one model count: the HSAE's shape of statistics.
        let n = 12, ranges = [0..<5, 7..<10], shape = StepStats.Shape(latents: [2, 1], modelCounts: 1), microbatches = 4
        var rng = SplitMix64(seed: 3)
        let mbGrads: [[Float]] = (0..<microbatches).map { _ in (0..<n).map { _ in Float(Int(rng.next() % 2001) - 1000) / 337 } }
        let mbStats: [StepStats] = (0..<microbatches).map { q in
            var s = StepStats(shape)
            s.losses = LossParts(values: (0..<LossParts.count).map { Double($0 + 1) * 0.125 + Double(q) })
            s.nonZero = [Double(q), 2]
            s.modelCounts = [3]
            s.thresholds = [0.5, Double(q) * 0.25]
            s.fires = [1, Double(q), 0]
            return s
        }
        let sentinel: Float = 42
        func reduce(mode: ReductionMode, ranks w: Int, failing: Set<Int> = []) throws -> [(grads: [Float], stats: StepStats)] {
            let comms = Communicator.threadGroup(size: w)
            let results = onRankThreads(w) { r -> ([Float], StepStats) in
                let reducer = GradientReducer(mode: mode, ranges: ranges, stats: shape, microbatchesPerBatch: microbatches)
                reducer.setExponents(fromMaxAbs: [3, 3])
                reducer.beginStep()
                let g = TensorBuffer<Float>(count: n)
                defer { withExtendedLifetime(g) {} }
                let per = microbatches / w
                for q in r * per ..< (r + 1) * per {
                    for i in 0..<n { g[i] = mbGrads[q][i] }
                    reducer.add(grads: g, stats: mbStats[q])
                }
                if failing.contains(r) { reducer.markFailed() }
                for i in 0..<n { g[i] = sentinel }
                let stats = try reducer.reduce(comms[r], into: g)
                return ((0..<n).map { g[$0] }, stats)
            }
            return try results.map { try $0.get() }
        }
        let trainable = ranges.flatMap { Array($0) }
        let one = try reduce(mode: .exact, ranks: 1)[0]
        for i in 0..<n {
            if trainable.contains(i) {
                let sum = (0..<microbatches).reduce(0.0) { $0 + Double(mbGrads[$1][i]) }
                // fixed point carries the sum exactly to 2^-e (e ≈ 32 here); the decode rounds to float
                XCTAssertEqual(one.grads[i], Float(sum), accuracy: Float(sum).ulp, "gradient \(i)")
            } else {
                XCTAssertEqual(one.grads[i], sentinel, "position \(i) is not trainable and must be untouched")
            }
        }
        XCTAssertEqual(one.stats.losses[.l1Bottom], (0..<4).reduce(0.0) { $0 + 3 * 0.125 + Double($1) }, accuracy: 1e-8)
        XCTAssertEqual(one.stats.nonZero, [6, 8])
        XCTAssertEqual(one.stats.modelCounts, [12])
        XCTAssertEqual(one.stats.thresholds[1], 1.5, accuracy: 1e-8)
        XCTAssertEqual(one.stats.fires, [4, 6, 0])
        XCTAssertEqual(one.stats.failed, 0)
        XCTAssertEqual(one.stats.saturated, 0)
        for w in [2, 4] {
            for (r, result) in try reduce(mode: .exact, ranks: w).enumerated() {
                XCTAssertEqual(result.grads.map(\.bitPattern), one.grads.map(\.bitPattern), "W = \(w) rank \(r): not bit-identical")
                XCTAssertEqual(result.stats.losses, one.stats.losses, "W = \(w) rank \(r)")
                XCTAssertEqual(result.stats.fires, one.stats.fires, "W = \(w) rank \(r)")
            }
        }
        XCTAssertTrue(try reduce(mode: .exact, ranks: 4, failing: [1, 3]).allSatisfy { $0.stats.failed == 2 })
        for result in try reduce(mode: .fast, ranks: 2) {
            for i in trainable { XCTAssertEqual(result.grads[i], one.grads[i], accuracy: 1e-5) }
            XCTAssertEqual(result.stats.fires, one.stats.fires)
            XCTAssertEqual(result.stats.losses[.reconstruction], one.stats.losses[.reconstruction], accuracy: 1e-5)
        }
    }

    /// Exact mode through node-shared segments (thread ranks share memory) against the allreduce
    /// on one rank: the same bits for W = 2, 3, 4 over two steps (the segments are overwritten and
    /// reused), each rank decoding its own slice (two chunks of 512: at W = 3 and 4 some ranks have
    /// none) and `allGather` giving every rank all of them; a failed rank counted.
    func testSharedReductionIsTheAllreducesSum() throws {
        let ranges = [0..<600, 611..<1014], shape = StepStats.Shape(latents: [2]), microbatches = 12, n = 1014
        var rng = SplitMix64(seed: 5)
        let steps: [[[Float]]] = (0..<2).map { _ in
            (0..<microbatches).map { _ in (0..<n).map { _ in Float(Int(rng.next() % 20001) - 10000) / 1337 } }
        }
        func run(ranks w: Int, shared: Bool, failing: Int? = nil) throws -> [[[Float]]] {   // [rank][step][value]
            let comms = Communicator.threadGroup(size: w)
            let results = onRankThreads(w) { r -> [[Float]] in
                var segments: NodeSharedSegments? = nil
                if shared { segments = try GradientReducer.sharedSegments(comms[r], mode: .exact, ranges: ranges, environment: [:]).get() }
                let reducer = GradientReducer(mode: .exact, ranges: ranges, stats: shape, microbatchesPerBatch: microbatches,
                                              shared: segments, rank: r)
                reducer.setExponents(fromMaxAbs: [8, 8])
                let g = TensorBuffer<Float>(count: n)
                defer { withExtendedLifetime(g) {} }
                var out: [[Float]] = []
                let per = microbatches / w
                for step in steps {
                    reducer.beginStep()
                    for q in r * per ..< (r + 1) * per {
                        for i in 0..<n { g[i] = step[q][i] }
                        var s = StepStats(shape)
                        s.fires = [1, Double(q)]
                        reducer.add(grads: g, stats: s)
                    }
                    if r == failing { reducer.markFailed() }
                    let stats = try reducer.reduce(comms[r], into: g)
                    XCTAssertEqual(stats.fires, [12, 66], "W = \(w), rank \(r)")
                    XCTAssertEqual(stats.failed, failing == nil ? 0 : 1, "W = \(w), rank \(r)")
                    // Outside its slice the reduce left this rank's last microbatch in place.
                    let own = Set(reducer.space.pieces(reducer.ownSlice).flatMap { Array($0.params) })
                    for i in ranges.flatMap({ $0 }) where !own.contains(i) {
                        XCTAssertEqual(g[i], step[(r + 1) * per - 1][i], "W = \(w), rank \(r): position \(i) outside its slice")
                    }
                    try reducer.allGather([g], comms[r])
                    out.append(ranges.flatMap { $0.map { g[$0] } })   // the trainable values
                }
                return out
            }
            return try results.map { try $0.get() }
        }
        let reference = try run(ranks: 1, shared: false)[0]
        for w in [2, 3, 4] {
            for (r, result) in try run(ranks: w, shared: true, failing: w == 3 ? 2 : nil).enumerated() {
                for t in 0..<2 {
                    XCTAssertEqual(result[t].map(\.bitPattern), reference[t].map(\.bitPattern), "W = \(w), rank \(r), step \(t)")
                }
            }
        }
        // One rank and fast mode give no segments (and issue no collective); the opt-out in rank 0's
        // environment gives none to every rank, whatever the others' environments say.
        let one = Communicator.threadGroup(size: 1)[0]
        XCTAssertThrowsError(try GradientReducer.sharedSegments(one, mode: .exact, ranges: ranges, environment: [:]).get())
        XCTAssertThrowsError(try GradientReducer.sharedSegments(Communicator.threadGroup(size: 2)[0], mode: .fast, ranges: ranges, environment: [:]).get())
        let two = Communicator.threadGroup(size: 2)
        let optedOut = onRankThreads(2) { r in
            try GradientReducer.sharedSegments(two[r], mode: .exact, ranges: ranges,
                                               environment: r == 0 ? ["HSAE_SHARED_REDUCTION": "off"] : [:])
        }
        for (r, result) in optedOut.enumerated() {
            guard case .failure(let why) = try result.get() else { XCTFail("rank \(r) got segments"); continue }
            XCTAssertEqual(why, .failed("HSAE_SHARED_REDUCTION=off"), "rank \(r)")
        }
    }

    /// The trainable space: slices of whole chunks (whole cache lines), in order, covering every
    /// position once; pieces mapped back to the parameter buffer; and the norm's chunk sums, taken
    /// slice by slice for W = 1…5 ranks, the same bits as over the whole space, and within 1e-12 of
    /// the naive double sum.
    func testTrainableSpaceSlicesPiecesAndNorm() {
        for count in [0, 1, 8, 9, 63, 1000, 40_000, 1_000_003] {
            let space = TrainableSpace(ranges: [0..<count])
            XCTAssertTrue(space.chunk % 8 == 0 && space.chunk >= 512 && space.chunk <= 1 << 16, "count \(count)")
            XCTAssertTrue(space.chunk >= 1 << 16 || space.chunk * 64 >= count, "count \(count): chunk \(space.chunk)")
            for ranks in 1...5 {
                let bounds = (0...ranks).map { space.sliceBound($0, of: ranks) }
                XCTAssertEqual(bounds.first, 0)
                XCTAssertEqual(bounds.last, count)
                XCTAssertEqual(bounds, bounds.sorted(), "count \(count), ranks \(ranks)")
                XCTAssertTrue(bounds.dropLast().allSatisfy { $0 % space.chunk == 0 }, "count \(count), ranks \(ranks)")
            }
        }
        let gapped = TrainableSpace(ranges: [2..<5, 10..<20])
        XCTAssertEqual(gapped.count, 13)
        XCTAssertEqual(gapped.pieces(1..<6), [.init(range: 0, params: 3..<5, offset: 1), .init(range: 1, params: 10..<13, offset: 3)])
        XCTAssertEqual(gapped.pieces(3..<13), [.init(range: 1, params: 10..<20, offset: 3)])
        XCTAssertEqual(gapped.pieces(5..<5), [])

        let ranges = [3..<20_000, 20_100..<71_000, 71_000..<71_003]
        let n = 71_003
        var rng = SplitMix64(seed: 11)
        let g = TensorBuffer<Float>((0..<n).map { _ in Float(rng.nextGaussian()) * 3 })
        retained.append(g)
        let space = TrainableSpace(ranges: ranges)
        XCTAssertGreaterThan(space.chunkCount, 5)
        let whole = space.norm(g)
        let naive = ranges.flatMap { $0 }.reduce(0.0) { $0 + Double(g[$1]) * Double(g[$1]) }.squareRoot()
        XCTAssertEqual(whole, naive, accuracy: 1e-12 * naive)
        for ranks in 1...5 {
            var partials = [Double](repeating: 0, count: space.chunkCount)
            for r in 0..<ranks { space.sumsOfSquares(g, over: space.slice(r, of: ranks), into: &partials) }
            XCTAssertEqual(TrainableSpace.norm(partials).bitPattern, whole.bitPattern, "\(ranks) ranks")
        }
    }

    /// `allGather` of two buffers over W = 3 thread ranks: every rank ends with every rank's slice
    /// at the trainable positions, and the positions outside the ranges keep each rank's own values.
    func testAllGatherGivesEveryRankEverySlice() throws {
        let ranges = [1..<700, 705..<1600], n = 1605, w = 3
        let comms = Communicator.threadGroup(size: w)
        let results = onRankThreads(w) { r -> [[Float]] in
            let segments = try GradientReducer.sharedSegments(comms[r], mode: .exact, ranges: ranges, environment: [:]).get()
            let reducer = GradientReducer(mode: .exact, ranges: ranges, stats: StepStats.Shape(latents: [1]), microbatchesPerBatch: 3, shared: segments, rank: r)
            let a = TensorBuffer<Float>((0..<n).map { Float(-1 - r * 10_000 - $0) })   // another rank's value where not its slice
            let b = TensorBuffer<Float>((0..<n).map { Float(-2 - r * 10_000 - $0) })
            defer { withExtendedLifetime((a, b)) {} }
            for p in reducer.space.pieces(reducer.ownSlice) {
                for i in p.params { a[i] = Float(i); b[i] = Float(2 * i) }
            }
            XCTAssertFalse(reducer.ownSlice.isEmpty, "rank \(r) has a slice")
            try reducer.allGather([a, b], comms[r])
            return [(0..<n).map { a[$0] }, (0..<n).map { b[$0] }]
        }
        let trainable = Set(ranges.flatMap { $0 })
        for (r, result) in results.enumerated() {
            let (a, b) = try (result.get()[0], result.get()[1])
            for i in 0..<n {
                XCTAssertEqual(a[i], trainable.contains(i) ? Float(i) : Float(-1 - r * 10_000 - i), "rank \(r), a[\(i)]")
                XCTAssertEqual(b[i], trainable.contains(i) ? Float(2 * i) : Float(-2 - r * 10_000 - i), "rank \(r), b[\(i)]")
            }
        }
    }

    /// A gradient beyond the agreed exponent's headroom is clamped and counted as saturated.
    func testReducerCountsSaturatedValues() throws {
        let reducer = GradientReducer(mode: .exact, ranges: [0..<2], stats: StepStats.Shape(latents: [1]), microbatchesPerBatch: 1)
        reducer.setExponents(fromMaxAbs: [1e-6])   // room for |g| ≤ 2^16 · 1e-6 ≈ 0.066
        reducer.beginStep()
        let g = TensorBuffer<Float>([0.01, 1e6])
        retained.append(g)
        reducer.add(grads: g, stats: StepStats(StepStats.Shape(latents: [1])))
        let stats = try reducer.reduce(Communicator.threadGroup(size: 1)[0], into: g)
        XCTAssertEqual(stats.saturated, 1)
        XCTAssertEqual(Double(g[0]), 0.01, accuracy: 1e-9)
        XCTAssertLessThan(g[1], 1e6)
    }

    /// add reports the NaN and ±∞ of the reduced ranges (the trainer's finiteness check): counted
    /// in exact mode's conversion, flagged in fast mode; values outside the ranges are not looked at.
    func testReducerAddCountsNonFiniteGradients() {
        for mode in [ReductionMode.exact, .fast] {
            let reducer = GradientReducer(mode: mode, ranges: [0..<3, 4..<6], stats: StepStats.Shape(latents: [1]), microbatchesPerBatch: 2)
            reducer.setExponents(fromMaxAbs: [1, 1])
            reducer.beginStep()
            let clean = TensorBuffer<Float>([0.5, -0.25, 1, .nan, 2, 3])   // index 3 is not trained
            let dirty = TensorBuffer<Float>([0.5, .infinity, 1, 0, .nan, 3])
            retained += [clean, dirty]
            XCTAssertEqual(reducer.add(grads: clean, stats: StepStats(StepStats.Shape(latents: [1]))), 0, "\(mode)")
            XCTAssertEqual(reducer.add(grads: dirty, stats: StepStats(StepStats.Shape(latents: [1]))), mode == .exact ? 2 : 1, "\(mode)")
        }
    }

    // MARK: applyConstraints

    /// top.W_dec is projected onto W ≥ 0 when configured (only then); bottom.W_dec rows get
    /// unit norm for topk/batchtopk bottoms, not for relu (its L1 weights by the row norm).
    func testConstraintsProjectTheTopDecoderAndRenormaliseTopKBottoms() {
        for (activation, nonNegative) in [(ActivationKind.relu, true), (.topk, true), (.batchtopk, false), (.topk, false)] {
            let config = ModelConfig(d: 5, bottom: LayerSpec(latents: 6, activation: activation, target: .l0(2)),
                                     top: LayerSpec(latents: 3, activation: .relu, target: .sparsity(0.5)),
                                     topDecoderNonNegative: nonNegative)
            let model = HierarchicalSAE<Double>(config: config)
            var rng = SplitMix64(seed: 5)
            for i in 0..<model.params.count { model.params[i] = Double(Int(rng.next() % 201) - 100) / 37 }
            let before = (0..<model.params.count).map { model.params[$0] }
            let bottomBefore = model.view(.bottomWDec).copyRows(), topBefore = model.view(.topWDec).copyRows()
            model.applyConstraints()
            let what = "\(activation), nonNegative \(nonNegative)"
            let top = model.view(.topWDec).copyRows()
            for (row, rowBefore) in zip(top, topBefore) {
                for (x, y) in zip(row, rowBefore) { XCTAssertEqual(x, nonNegative ? max(0, y) : y, what) }
            }
            for (row, rowBefore) in zip(model.view(.bottomWDec).copyRows(), bottomBefore) {
                let norm = rowBefore.reduce(0) { $0 + $1 * $1 }.squareRoot()
                for (x, y) in zip(row, rowBefore) { XCTAssertEqual(x, activation == .relu ? y : y / norm, accuracy: 1e-12, what) }
            }
            let others = Set(model.layout.entry(.topWDec).range).union(model.layout.entry(.bottomWDec).range)
            for i in 0..<model.params.count where !others.contains(i) { XCTAssertEqual(model.params[i], before[i], "\(what): parameter \(i) changed") }
        }
    }

    /// A rank of a shared update projects only the part of top.W_dec inside its ranges: a range
    /// that starts before the tensor and ends inside it, and one past its end, leave the rest alone.
    func testTopDecoderProjectionWithinRangesTouchesOnlyThem() {
        let config = ModelConfig(d: 5, bottom: LayerSpec(latents: 6, activation: .topk, target: .l0(2)),
                                 top: LayerSpec(latents: 3, activation: .relu, target: .sparsity(0.5)))
        let model = HierarchicalSAE<Float>(config: config)
        for i in 0..<model.params.count { model.params[i] = i % 2 == 0 ? -1 : 1 }
        let top = model.layout.entry(.topWDec).range
        let inside = top.lowerBound + 5
        model.clampTopDecoder(within: [0..<inside, top.upperBound ..< model.params.count])
        for i in 0..<model.params.count {
            let projected = top.contains(i) && i < inside
            XCTAssertEqual(model.params[i], projected ? max(0, i % 2 == 0 ? -1 : 1) : (i % 2 == 0 ? -1 : 1), "parameter \(i)")
        }
    }

    // MARK: checkCompatible

    /// Bookkeeping may change on resume; anything that changes the math may not, and the
    /// message names the option's values and the checkpoint.
    func testResumeCompatibilityAllowsBookkeepingAndRefusesMathChanges() throws {
        var old = TrainConfig()
        old.m1 = 64
        var bookkeeping = old
        bookkeeping.checkpointEvery = 7; bookkeeping.logEvery = 3; bookkeeping.watchdogSeconds = 5
        bookkeeping.reduction = .fast; bookkeeping.keepCheckpoints = 2
        XCTAssertNoThrow(try Trainer.checkCompatible(bookkeeping, with: old, path: "runs/x/checkpoints/step-10"))
        var math = old
        math.m1 = 128
        XCTAssertThrowsError(try Trainer.checkCompatible(math, with: old, path: "runs/x/checkpoints/step-10")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("128") && text.contains("64"), text)
            XCTAssertTrue(text.contains("runs/x/checkpoints/step-10"), text)
        }
        var lr = old
        lr.lr = old.lr * 2
        XCTAssertThrowsError(try Trainer.checkCompatible(lr, with: old, path: "p"))
    }
}

/// Runs `body` on `size` ranks of a thread group at once (one Thread per rank: ranks wait for
/// each other inside collectives) and returns the results in rank order.
func onRankThreads<R>(_ size: Int, _ body: @escaping (Int) throws -> R) -> [Result<R, Error>] {
    var results = [Result<R, Error>?](repeating: nil, count: size)
    let lock = NSLock()
    let done = DispatchGroup()
    for r in 0..<size {
        done.enter()
        Thread {
            let result = Result { try body(r) }
            lock.lock(); results[r] = result; lock.unlock()
            done.leave()
        }.start()
    }
    done.wait()
    return results.map { $0! }
}

private extension View {
    func copyRows() -> [[T]] { (0..<rows).map { i in (0..<cols).map { self[i, $0] } } }
}
