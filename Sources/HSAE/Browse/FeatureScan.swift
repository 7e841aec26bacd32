import Foundation

/// Everything `hsae features` gathers in its one pass over the rows, on one rank.
/// Legend: m_l latents of layer l (m = Σ m_l), F true features (synthetic data), K examples,
/// S samples, c = 2w + 1 context rows.
///
/// Per layer: latent statistics, top examples and a random sample; per edge of the hierarchy:
/// co-firing counts. Sums are integers (`LatentStats`, fixed point), example sets are
/// rank-order-free (`ExampleSlots`), so `reduced(over:)` gives every rank count the same result bit
/// for bit. Memory is independent of the row count: O(m·(K + S)·c + m·bins + Σ_edges m_p·m_c + F·m).
public final class FeatureScan {
    /// The label kinds scanned: those with at most `maxClasses` named classes (not token_id, doc_id).
    public static let maxClasses = 512

    /// An edge of the hierarchy as the scan counts it: rows where parent latent j and child latent i
    /// both fire, at `counts[j * childLatents + i]`.
    public struct CoFiring: Sendable {
        public let parent: Int
        public let child: Int
        public var counts: [Int32]           // m_parent × m_child
    }

    /// Latents per layer (the model's layers, bottom first).
    public let latents: [Int]
    /// Each layer's first column among the layers' latents laid end to end (`truthCross`).
    public let latentOffsets: [Int]
    public let contextRadius: Int           // w
    public let labelKinds: [Int]            // indices into the data set's label kinds
    public let classCounts: [Int]
    public let trueFeatures: Int            // F, 0 without ground truth
    @exclusivity(unchecked) public var rows: Int64 = 0
    @exclusivity(unchecked) public var stats: [LatentStats]        // per layer
    @exclusivity(unchecked) public var best: [ExampleSlots]        // per layer: top examples
    @exclusivity(unchecked) public var samples: [ExampleSlots]     // per layer: random sample
    @exclusivity(unchecked) public var classRows: [[Int64]]         // per kind: rows per class
    @exclusivity(unchecked) public var coFirings: [CoFiring]        // per edge
    /// Ground truth (synthetic): per true feature Σy, Σy² and per (feature, latent) Σ z·y, over the
    /// layers' latents laid end to end (m columns), fixed point.
    @exclusivity(unchecked) public var truthSum: [Int64]            // F
    @exclusivity(unchecked) public var truthSumSquares: [Int64]     // F
    @exclusivity(unchecked) public var truthCross: [Int64]          // F×m

    /// The model's latents, all layers.
    public var totalLatents: Int { latents.reduce(0, +) }

    /// `latents` per layer; `edges` (parent, child) as the model declares them.
    public init(latents: [Int], edges: [(parent: Int, child: Int)], examples: Int, samples: Int, contextRadius w: Int,
                labelKinds: [Int], classCounts: [Int], trueFeatures: Int) {
        self.latents = latents
        latentOffsets = latents.indices.map { latents[0 ..< $0].reduce(0, +) }
        contextRadius = w
        self.labelKinds = labelKinds
        self.classCounts = classCounts
        self.trueFeatures = trueFeatures
        stats = latents.map { LatentStats(latents: $0, classCounts: classCounts) }
        let c = 2 * w + 1
        best = latents.map { ExampleSlots(policy: .top, latents: $0, capacity: examples, contextWidth: c) }
        self.samples = latents.map { ExampleSlots(policy: .sample, latents: $0, capacity: samples, contextWidth: c) }
        classRows = classCounts.map { [Int64](repeating: 0, count: $0) }
        coFirings = edges.map { CoFiring(parent: $0.parent, child: $0.child,
                                         counts: [Int32](repeating: 0, count: latents[$0.parent] * latents[$0.child])) }
        truthSum = [Int64](repeating: 0, count: trueFeatures)
        truthSumSquares = truthSum
        truthCross = [Int64](repeating: 0, count: trueFeatures * latents.reduce(0, +))
    }

    /// One computed block of rows. `codes[l]` holds layer l's codes of rows
    /// `computed.lowerBound ..< computed.upperBound` (B×m_l, row-major); only the rows in
    /// `scanned` (inside `computed`) are counted, the others are context.
    /// `classes[k][r]` is the class of scanned row r for kind k; `truth[r]` its true features.
    func add(codes: [UnsafePointer<Float>], computed: Range<Int>, scanned: Range<Int>,
             classes: [[Int]], truth: [[GroundTruth.Firing]]?) {
        precondition(codes.count == latents.count, "\(codes.count) codes for \(latents.count) layers")
        let w = contextRadius
        let width = totalLatents
        var active = [[Int]](repeating: [], count: latents.count)
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
            for l in latents.indices {
                scanLayer(codes[l], latents[l], &stats[l], &best[l], &samples[l], layer: l, active: &active[l])
            }
            for e in coFirings.indices {
                let (parent, child, mc) = (coFirings[e].parent, coFirings[e].child, latents[coFirings[e].child])
                for j in active[parent] {
                    let base = j * mc
                    for i in active[child] { coFirings[e].counts[base + i] &+= 1 }
                }
            }
            if let truth {
                for f in truth[r] {
                    let y = Double(f.magnitude)
                    truthSum[f.feature] += ActivationFixedPoint.quantise(y)
                    truthSumSquares[f.feature] += ActivationFixedPoint.quantise(y * y)
                    for l in latents.indices {
                        let z = codes[l] + local * latents[l], base = f.feature * width + latentOffsets[l]
                        for i in active[l] { truthCross[base + i] += ActivationFixedPoint.quantise(Double(z[i]) * y) }
                    }
                }
            }
        }
    }
}
