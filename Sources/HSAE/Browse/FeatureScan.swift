import Foundation

/// Everything `hsae features` gathers in its one pass over the rows, on one rank.
/// Legend: m1/m2 latents per layer, F true features (synthetic data), K examples, S samples,
/// c = 2w + 1 context rows.
///
/// Sums are integers (`LatentStats`, fixed point), example sets are rank-order-free
/// (`ExampleSlots`), so `reduced(over:)` gives every rank count the same result bit for bit.
/// Memory is independent of the row count: O(m·(K + S)·c + m·bins + m1·m2 + F·(m1 + m2)).
public final class FeatureScan {
    /// The label kinds scanned: those with at most `maxClasses` named classes (not token_id, doc_id).
    public static let maxClasses = 512

    public let m1: Int, m2: Int
    public let contextRadius: Int           // w
    public let labelKinds: [Int]            // indices into the data set's label kinds
    public let classCounts: [Int]
    public let trueFeatures: Int            // F, 0 without ground truth
    @exclusivity(unchecked) public var rows: Int64 = 0
    @exclusivity(unchecked) public var bottom: LatentStats
    @exclusivity(unchecked) public var top: LatentStats
    @exclusivity(unchecked) public var bottomTop: ExampleSlots, topTop: ExampleSlots
    @exclusivity(unchecked) public var bottomSample: ExampleSlots, topSample: ExampleSlots
    @exclusivity(unchecked) public var classRows: [[Int64]]         // per kind: rows per class
    @exclusivity(unchecked) public var coFirings: [Int32]           // m2×m1: rows where top j and bottom i both fire
    /// Ground truth (synthetic): per true feature Σy, Σy² and per (feature, latent) Σ z·y,
    /// latents of [Z1 Z2] (m1 + m2 columns), fixed point.
    @exclusivity(unchecked) public var truthSum: [Int64]            // F
    @exclusivity(unchecked) public var truthSumSquares: [Int64]     // F
    @exclusivity(unchecked) public var truthCross: [Int64]          // F×(m1 + m2)

    public init(m1: Int, m2: Int, examples: Int, samples: Int, contextRadius w: Int,
                labelKinds: [Int], classCounts: [Int], trueFeatures: Int) {
        self.m1 = m1
        self.m2 = m2
        contextRadius = w
        self.labelKinds = labelKinds
        self.classCounts = classCounts
        self.trueFeatures = trueFeatures
        bottom = LatentStats(latents: m1, classCounts: classCounts)
        top = LatentStats(latents: m2, classCounts: classCounts)
        let c = 2 * w + 1
        bottomTop = ExampleSlots(policy: .top, latents: m1, capacity: examples, contextWidth: c)
        topTop = ExampleSlots(policy: .top, latents: m2, capacity: examples, contextWidth: c)
        bottomSample = ExampleSlots(policy: .sample, latents: m1, capacity: samples, contextWidth: c)
        topSample = ExampleSlots(policy: .sample, latents: m2, capacity: samples, contextWidth: c)
        classRows = classCounts.map { [Int64](repeating: 0, count: $0) }
        coFirings = [Int32](repeating: 0, count: m2 * m1)
        truthSum = [Int64](repeating: 0, count: trueFeatures)
        truthSumSquares = truthSum
        truthCross = [Int64](repeating: 0, count: trueFeatures * (m1 + m2))
    }

    /// One computed block of rows. `codes1`/`codes2` hold the codes of rows
    /// `computed.lowerBound ..< computed.upperBound` (B×m1, B×m2, row-major); only the rows in
    /// `scanned` (inside `computed`) are counted, the others are context.
    /// `classes[k][r]` is the class of scanned row r for kind k; `truth[r]` its true features.
    func add(codes1: UnsafePointer<Float>, codes2: UnsafePointer<Float>, computed: Range<Int>, scanned: Range<Int>,
             classes: [[Int]], truth: [[GroundTruth.Firing]]?) {
        let w = contextRadius
        var active1: [Int] = [], active2: [Int] = []
        for row in scanned {
            let local = row - computed.lowerBound
            let r = row - scanned.lowerBound
            let rowClasses = classes.map { $0[r] }
            rows += 1
            for (k, c) in rowClasses.enumerated() where c >= 0 { classRows[k][c] += 1 }
            func scanLayer(_ codes: UnsafePointer<Float>, _ m: Int, _ stats: inout LatentStats, _ best: inout ExampleSlots,
                           _ sample: inout ExampleSlots, layer: Int, active: inout [Int]) {
                active.removeAll(keepingCapacity: true)
                let z = codes + local * m
                let n = computed.count
                for j in 0..<m where z[j] > 0 {
                    active.append(j)
                    stats.add(latent: j, value: z[j], classes: rowClasses)
                    // The context is gathered only for a firing that is kept (rare after the first rows).
                    if best.accepts(latent: j, value: z[j], row: row, key: 0) {
                        best.offer(latent: j, value: z[j], row: row, key: 0) { dst in
                            for o in -w...w { let q = local + o; dst[o + w] = q >= 0 && q < n ? codes[q * m + j] : .nan }
                        }
                    }
                    let key = ExampleSlots.sampleKey(row: row, latent: j, layer: layer)
                    if sample.accepts(latent: j, value: z[j], row: row, key: key) {
                        sample.offer(latent: j, value: z[j], row: row, key: key) { dst in
                            for o in -w...w { let q = local + o; dst[o + w] = q >= 0 && q < n ? codes[q * m + j] : .nan }
                        }
                    }
                }
            }
            scanLayer(codes1, m1, &bottom, &bottomTop, &bottomSample, layer: 0, active: &active1)
            scanLayer(codes2, m2, &top, &topTop, &topSample, layer: 1, active: &active2)
            for j in active2 {
                let base = j * m1
                for i in active1 { coFirings[base + i] &+= 1 }
            }
            if let truth {
                let z1 = codes1 + local * m1, z2 = codes2 + local * m2
                for f in truth[r] {
                    let y = Double(f.magnitude)
                    truthSum[f.feature] += ActivationFixedPoint.quantise(y)
                    truthSumSquares[f.feature] += ActivationFixedPoint.quantise(y * y)
                    let base = f.feature * (m1 + m2)
                    for i in active1 { truthCross[base + i] += ActivationFixedPoint.quantise(Double(z1[i]) * y) }
                    for j in active2 { truthCross[base + m1 + j] += ActivationFixedPoint.quantise(Double(z2[j]) * y) }
                }
            }
        }
    }
}
