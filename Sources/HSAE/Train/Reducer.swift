import CKernels
import Dist
import Foundation

/// How gradients are summed across microbatches and ranks (DESIGN §5).
public enum ReductionMode: String, Codable, Sendable, CaseIterable {
    /// 64-bit fixed point per microbatch, integer sums: bit-identical for every W dividing n.
    case exact
    /// float32 sums as MPI gives them: equal across W only to rounding.
    case fast
}

/// What one step reduces besides gradients, summed over the global batch: per layer of the model
/// (ModelConfig.layers, in order) its non-zero count, its batchtopk threshold and its latents'
/// firing counts, and the model's own counts (ModelConfig.stepCounts).
public struct StepStats: Sendable {
    /// How many statistics of each kind a model's step carries.
    public struct Shape: Equatable, Sendable {
        /// Latents per layer, in layer order.
        public var latents: [Int]
        /// How many counts the model adds (`ModelConfig.stepCounts`).
        public var modelCounts: Int

        public init(latents: [Int], modelCounts: Int = 0) {
            self.latents = latents
            self.modelCounts = modelCounts
        }

        public init(_ model: ModelConfig) {
            self.init(latents: model.layers.map(\.latents), modelCounts: model.stepCounts.count)
        }

        var layers: Int { latents.count }
        var latentCount: Int { latents.reduce(0, +) }
        /// The losses, a threshold per layer, the reconstruction error.
        var realCount: Int { LossParts.count + layers + 1 }
        /// A non-zero count per layer, the model's counts, a firing count per latent, failed, saturated.
        var countCount: Int { layers + modelCounts + latentCount + 2 }
        /// Where `failed` sits among the counts.
        var failedIndex: Int { layers + modelCounts + latentCount }
    }

    public let shape: Shape
    public var losses = LossParts()
    public var nonZero: [Double]                              // per layer: Σ nnz(Z_layer)
    public var modelCounts: [Double]                          // ModelConfig.stepCounts (with a top layer: Σ nnz(Ẑ1))
    public var thresholds: [Double]                           // per layer: Σ over microbatches of batchtopk thresholds
    /// Σ over microbatches of w·‖X̂ − X‖² for the model's full reconstruction: the training FVU's
    /// numerator. It is losses[.reconstruction] except for a Matryoshka layer, whose loss is the
    /// mean over nested prefixes (Workspace.reconstructionError).
    public var reconstruction: Double = 0
    public var fires: [Double]                               // per latent (layer after layer): firing count
    public var failed: Double = 0                             // ranks that hit an error this step
    public var saturated: Double = 0                          // fixed-point values clamped (exact mode)

    public init(_ shape: Shape) {
        self.shape = shape
        nonZero = [Double](repeating: 0, count: shape.layers)
        modelCounts = [Double](repeating: 0, count: shape.modelCounts)
        thresholds = [Double](repeating: 0, count: shape.layers)
        fires = [Double](repeating: 0, count: shape.latentCount)
    }

    var reals: [Double] { losses.values + thresholds + [reconstruction] }
    var counts: [Double] { nonZero + modelCounts + fires + [failed, saturated] }

    mutating func set(reals r: [Double], counts c: [Double]) {
        precondition(r.count == shape.realCount && c.count == shape.countCount, "step stats: \(r.count) reals, \(c.count) counts")
        let (layers, models) = (shape.layers, shape.modelCounts)
        losses = LossParts(values: Array(r[0..<LossParts.count]))
        thresholds = Array(r[LossParts.count ..< LossParts.count + layers])
        reconstruction = r[LossParts.count + layers]
        nonZero = Array(c[0..<layers])
        modelCounts = Array(c[layers ..< layers + models])
        fires = Array(c[layers + models ..< shape.failedIndex])
        failed = c[shape.failedIndex]
        saturated = c[shape.failedIndex + 1]
    }
}

/// Accumulates this rank's microbatches and reduces them once per step: one allreduce, or on
/// ranks of one node shared memory and an allreduce of the stats.
///
/// Buffer layout (one collective): [gradients of the trainable ranges | real-valued stats |
/// integer counts]. In exact mode all three are Int64: gradients as round(g·2^e_t) with a
/// per-tensor exponent agreed beforehand (`exponents`, from the previous step's reduced
/// gradient, identical on every rank), reals as round(v·2^30), counts as integers.
///
/// Exact mode with ranks on one node (`shared`): the gradients' integers live in memory the ranks
/// share (this rank's segment), and no collective carries them: each rank sums its slice of every
/// segment into segment 0 and decodes that slice only — the same integer sums as the allreduce's,
/// so the same floats, without copying the gradient between processes. The rank then updates its
/// slice of the parameters for all (`ownSlice`, `allGather`: docs/DECISIONS.md, "One update per
/// node: each rank its slice"). Only the stats travel by allreduce (docs/DECISIONS.md, "The exact
/// reduction through shared memory").
public final class GradientReducer {
    public let mode: ReductionMode
    /// The trainable ranges of the parameter buffer as one index space, its chunks and its slices.
    public let space: TrainableSpace
    var ranges: [Range<Int>] { space.ranges }
    var gradCount: Int { space.count }
    /// What the step's statistics hold (per layer and the model's counts).
    let statsShape: StepStats.Shape
    /// Exact mode: [gradients | reals | counts], or only [reals | counts] when `shared` holds the gradients.
    @exclusivity(unchecked) var exact: [Int64]
    @exclusivity(unchecked) var fast: [Float]
    /// Exact mode on one node: segment r holds rank r's gradient integers (gradCount Int64 each).
    let shared: NodeSharedSegments?
    /// This process's rank (its segment in `shared`).
    let rank: Int
    /// Microbatches added since `beginStep` (exact mode: the first overwrites the gradient integers).
    @exclusivity(unchecked) var microbatchesAdded = 0
    /// Where the stats start in `exact`.
    var statsOffset: Int { shared == nil ? gradCount : 0 }
    /// e_t per trainable range: gradient values are carried as round(g · 2^e_t).
    @exclusivity(unchecked) public var exponents: [Int]
    /// Real-valued stats (losses, thresholds, the reconstruction error) are carried as round(v · 2^30): 2^-30 resolution,
    /// and room for |v| up to 2^(50−30) summed over the microbatches.
    static let realExponent = 30
    /// A gradient may grow this many binary orders of magnitude over the previous step's
    /// maximum before its fixed-point value saturates (and is counted in `saturated`).
    public static let headroomBits = 16
    /// e_t for a range whose gradient was all zero (or not finite) last step: values up to 2^(50−40).
    static let initialExponent = 40
    let limit: Int64
    /// Wall time of the last step's reduction without the decode (for `hsae bench`): the allreduce;
    /// on shared segments the barrier (with any wait for a slower rank), the slice sum, the stats'
    /// allreduce, and the sharded update's exchanges (`combineSlices`, `allGather`).
    @exclusivity(unchecked) public private(set) var lastAllreduceSeconds = 0.0

    /// `shared` (exact mode only): segments of at least 8 · gradient count bytes per rank, from
    /// `GradientReducer.sharedSegments`, and `rank` this process's rank in them.
    public init(mode: ReductionMode, ranges: [Range<Int>], stats: StepStats.Shape, microbatchesPerBatch n: Int,
                shared: NodeSharedSegments? = nil, rank: Int = 0) {
        self.mode = mode
        space = TrainableSpace(ranges: ranges)
        let gradCount = space.count
        statsShape = stats
        self.shared = mode == .exact ? shared : nil
        self.rank = rank
        if let shared { precondition(shared.bytesPerRank >= gradCount * 8, "shared segments of \(shared.bytesPerRank) bytes for \(gradCount) values") }
        let total = gradCount + stats.realCount + stats.countCount
        exact = mode == .exact ? [Int64](repeating: 0, count: self.shared == nil ? total : total - gradCount) : []
        fast = mode == .fast ? [Float](repeating: 0, count: total) : []
        exponents = [Int](repeating: 0, count: ranges.count)
        // n microbatch values of magnitude ≤ limit sum without overflow; ≤ 2^50 so that the
        // conversion can use the exact float trick of `FixedPoint.accumulate`.
        limit = min(Int64(1) << 50, Int64.max / Int64(max(1, n)) / 2)
    }

    /// Segments for `ranges` when exact mode can reduce through node-shared memory; the reason why
    /// not otherwise (also when HSAE_SHARED_REDUCTION=off asks for the allreduce). Collective on
    /// more than one rank: rank 0's environment decides for all (mpirun does not pass every
    /// variable to other nodes, and ranks that disagreed would issue different collectives).
    public static func sharedSegments(_ comm: Communicator, mode: ReductionMode, ranges: [Range<Int>],
                                      environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> Result<NodeSharedSegments, NodeSharingUnavailable> {
        guard mode == .exact else { return .failure(.failed("fast mode sums floats by allreduce")) }
        guard comm.size > 1 else { return .failure(.singleRank) }
        var off = [UInt8(environment["HSAE_SHARED_REDUCTION"] == "off" ? 1 : 0)]
        try comm.broadcast(&off)
        if off[0] == 1 { return .failure(.failed("HSAE_SHARED_REDUCTION=off")) }
        return try comm.nodeSharedSegments(bytesPerRank: ranges.reduce(0) { $0 + $1.count } * 8)
    }

    /// Whether the ranks share the update: each decodes, clips and updates its own slice of the
    /// space (exact mode on one node), and `allGather` gives every rank the others' slices.
    public var isSharded: Bool { shared != nil }

    /// The positions of the space this rank decodes in `reduce` and updates: its slice when
    /// sharded, else all.
    public var ownSlice: Range<Int> { shared.map { space.slice(rank, of: $0.ranks) } ?? 0..<gradCount }

    /// This rank's gradient integers: its shared segment, or the head of `exact`.
    private func withGradientIntegers<R>(_ body: (UnsafeMutablePointer<Int64>) -> R) -> R {
        if let shared { return body(shared.segment(rank).assumingMemoryBound(to: Int64.self)) }
        return exact.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    /// Starts a step: clears the stats; the gradient integers are overwritten by this rank's first
    /// microbatch (or cleared in `reduce` if it had none), not cleared here — a pass over 8 bytes
    /// per trainable parameter saved each step.
    public func beginStep() {
        microbatchesAdded = 0
        if mode == .exact { exact.withUnsafeMutableBufferPointer { buf in (buf.baseAddress! + statsOffset).update(repeating: 0, count: buf.count - statsOffset) } }
        else { fast.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
    }

    /// Sets e_t so that values up to 2^headroomBits × `maxAbs[t]` fit in a microbatch's share.
    public func setExponents(fromMaxAbs maxAbs: [Double]) {
        let headroomBits = Double(Foundation.log2(Double(limit))) - Double(Self.headroomBits)
        exponents = maxAbs.map { m in
            guard m > 0, m.isFinite else { return Self.initialExponent }
            return Int((headroomBits - Foundation.log2(m)).rounded(.down))
        }
    }

    /// Adds one microbatch's gradient (full layout buffer) and stats. Returns how many values the
    /// reduction cannot carry, which the trainer stops at: in exact mode the gradient's NaN and ±∞
    /// (counted in the conversion's pass) and stats beyond 2^32 (a diverged loss); in fast mode 1 when
    /// a range's sum of squares is not finite. A huge finite gradient in exact mode is clamped to its
    /// exponent's headroom and counted as saturated (a warning); until session 16 a separate norm
    /// pass also stopped exact mode where the float sum of squares overflowed (|g| ≳ 1e19).
    @discardableResult
    public func add(grads: TensorBuffer<Float>, stats: StepStats) -> Int64 {
        precondition(stats.shape == statsShape, "step stats of shape \(stats.shape) added to a reducer of \(statsShape)")
        var nonFinite: Int64 = 0
        switch mode {
        case .fast:
            if !Adam.normsAreFinite(grads, ranges: ranges) { nonFinite = 1 }
            var k = 0
            fast.withUnsafeMutableBufferPointer { buf in
                for r in ranges {
                    Float.axpy(r.count, 1, grads.base + r.lowerBound, buf.baseAddress! + k)
                    k += r.count
                }
                for (i, v) in (stats.reals + stats.counts).enumerated() { buf[gradCount + i] += Float(v) }
            }
        case .exact:
            var saturated: Int64 = 0
            withGradientIntegers { acc in
                var k = 0
                for (t, r) in ranges.enumerated() {
                    let counts = FixedPoint.accumulate(grads.base + r.lowerBound, count: r.count, scale: Foundation.scalbn(1.0, exponents[t]),
                                                       limit: limit, into: acc + k, overwrite: microbatchesAdded == 0)
                    saturated += counts.clamped
                    nonFinite += counts.nonFinite
                    k += r.count
                }
            }
            var k = statsOffset
            exact.withUnsafeMutableBufferPointer { buf in
                let realScale = Foundation.scalbn(1.0, Self.realExponent)
                for (i, v) in stats.reals.enumerated() {
                    // A loss of a diverging run can exceed what 64 bits carry at 2^30 (and Int64(_:)
                    // traps): counted with the non-finite values, which stop the step.
                    let scaled = (v * realScale).rounded()
                    guard abs(scaled) < 0x1p62 else { nonFinite += 1; continue }
                    buf[k + i] &+= Int64(scaled)
                }
                k += statsShape.realCount
                var counts = stats.counts
                counts[counts.count - 1] += Double(saturated)
                for (i, v) in counts.enumerated() { buf[k + i] &+= Int64(v) }
            }
        }
        microbatchesAdded += 1
        return nonFinite
    }

    /// Marks this rank as failed for this step (its buffer still takes part in the collective).
    public func markFailed() {
        if mode == .exact { exact[statsOffset + statsShape.realCount + statsShape.failedIndex] += 1 }
        else { fast[gradCount + statsShape.realCount + statsShape.failedIndex] += 1 }
    }

    /// The step's reduction (one allreduce; on one node's shared segments, a barrier and the
    /// stats' allreduce). Writes the summed gradient into `grads` at the positions of `ownSlice`
    /// (others untouched) and returns the summed stats.
    public func reduce(_ comm: Communicator, into grads: TensorBuffer<Float>) throws -> StepStats {
        var stats = StepStats(statsShape)
        var reals: [Double], counts: [Double]
        var k = 0
        switch mode {
        case .fast:
            let start = DispatchTime.now().uptimeNanoseconds
            try comm.allreduce(&fast)
            lastAllreduceSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            fast.withUnsafeBufferPointer { buf in
                for r in ranges {
                    (grads.base + r.lowerBound).update(from: buf.baseAddress! + k, count: r.count)
                    k += r.count
                }
            }
            reals = fast[k ..< k + statsShape.realCount].map(Double.init)
            counts = fast[(k + statsShape.realCount)...].map(Double.init)
        case .exact:
            if microbatchesAdded == 0 { withGradientIntegers { $0.update(repeating: 0, count: gradCount) } }
            let start = DispatchTime.now().uptimeNanoseconds
            var decodeSeconds = 0.0
            if let shared {
                try sumSharedSlice(comm, shared)
                let decodeStart = DispatchTime.now().uptimeNanoseconds
                decode(from: UnsafePointer(shared.segment(0).assumingMemoryBound(to: Int64.self)), slice: ownSlice, into: grads)
                decodeSeconds = Double(DispatchTime.now().uptimeNanoseconds - decodeStart) * 1e-9
            }
            // On shared segments this allreduce (of the stats only) also orders what follows after
            // every rank's sum and decode of its slice of segment 0.
            try comm.allreduce(&exact)
            lastAllreduceSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 - decodeSeconds
            if shared == nil { exact.withUnsafeBufferPointer { decode(from: $0.baseAddress!, slice: 0..<gradCount, into: grads) } }
            k = statsOffset
            let realInv = Foundation.scalbn(1.0, -Self.realExponent)
            reals = exact[k ..< k + statsShape.realCount].map { Double($0) * realInv }
            counts = exact[(k + statsShape.realCount)...].map { Double($0) }
        }
        stats.set(reals: reals, counts: counts)
        return stats
    }

    /// Gradient integers at the positions `slice` of the space (acc[k] for position k) → floats in `grads`.
    private func decode(from acc: UnsafePointer<Int64>, slice: Range<Int>, into grads: TensorBuffer<Float>) {
        for p in space.pieces(slice) {
            FixedPoint.decode(acc + p.offset, count: p.params.count, scale: Foundation.scalbn(1.0, -exponents[p.range]),
                              into: grads.base + p.params.lowerBound)
        }
    }

    /// Every rank's microbatches are in its segment: after a barrier, rank r adds slice r of every
    /// other segment into slice r of segment 0 (whole chunks of the space, so whole cache lines).
    /// No barrier after: each rank decodes only the slice it summed.
    private func sumSharedSlice(_ comm: Communicator, _ shared: NodeSharedSegments) throws {
        precondition(comm.rank == rank && comm.size == shared.ranks, "reducer of rank \(rank) of \(shared.ranks) used by rank \(comm.rank) of \(comm.size)")
        try comm.sharedFence()
        let own = ownSlice
        if !own.isEmpty {
            let total = shared.segment(0).assumingMemoryBound(to: Int64.self) + own.lowerBound
            for q in 1..<shared.ranks { hsae_add_i64(own.count, shared.segment(q).assumingMemoryBound(to: Int64.self) + own.lowerBound, total) }
        }
    }

    /// Sharded update: each rank's per-tensor max |g| and the chunk sums of Σ g² of its slice (zeros
    /// elsewhere) become every rank's — max and sum, both exact since each chunk has one owner.
    /// Collective; a no-op when not sharded.
    public func combineSlices(maxes: inout [Double], sumsOfSquares: inout [Double], _ comm: Communicator) throws {
        guard shared != nil else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        try comm.allreduce(&maxes, op: .max)
        try comm.allreduce(&sumsOfSquares)
        lastAllreduceSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    /// Sharded update: every rank has updated its own slice of each buffer (at most two: the
    /// parameters, or Adam's m and v, at the space's positions); afterwards every rank holds every
    /// slice. Each rank writes its slices into its own slice of segment 0 (8 bytes per position:
    /// room for two floats), a barrier, each copies the others' in, a barrier (segment 0 is
    /// rank 0's next microbatch's). Collective; a no-op when not sharded.
    public func allGather(_ buffers: [TensorBuffer<Float>], _ comm: Communicator) throws {
        guard let shared else { return }
        precondition(buffers.count <= 2, "allGather carries at most two buffers")
        precondition(comm.rank == rank && comm.size == shared.ranks, "reducer of rank \(rank) of \(shared.ranks) used by rank \(comm.rank) of \(comm.size)")
        let start = DispatchTime.now().uptimeNanoseconds
        defer { lastAllreduceSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }
        func copy(_ q: Int, publish: Bool) {
            let slice = space.slice(q, of: shared.ranks)
            let region = (shared.segment(0) + 8 * slice.lowerBound).assumingMemoryBound(to: Float.self)
            for (b, buffer) in buffers.enumerated() {
                let base = region + b * slice.count
                for p in space.pieces(slice) {
                    let theirs = base + (p.offset - slice.lowerBound), mine = buffer.base + p.params.lowerBound
                    if publish { theirs.update(from: mine, count: p.params.count) } else { mine.update(from: theirs, count: p.params.count) }
                }
            }
        }
        copy(rank, publish: true)
        try comm.sharedFence()
        for q in 0..<shared.ranks where q != rank { copy(q, publish: false) }
        try comm.sharedFence()
    }
}
