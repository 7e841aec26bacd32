import CKernels

/// A phase's trainable parameters as one index space: position k is the k-th value of the
/// trainable ranges of the parameter buffer, taken in order (the layout of the reducer's buffers).
///
/// The space is cut into chunks of `chunk` positions (a power of two from 512 to 2^16, a function
/// of the space's size alone). The gradient norm is the square root of the
/// chunks' Σ g² (each in double, `hsae_sum_squares_f32`), added in chunk order; on ranks that share
/// a node each rank owns a slice of whole chunks, whose gradient it sums, decodes and updates (Adam)
/// for all. So the norm, hence the clipped update, is the same float for every rank count.
public struct TrainableSpace: Sendable {
    public let ranges: [Range<Int>]
    public let count: Int
    /// Positions per chunk: the smallest power of two ≥ count / 64 between 512 (whole cache lines;
    /// a small model still has up to 64 chunks to share out) and 2^16 (a large one has many more).
    public let chunk: Int
    /// Where each range starts in the space.
    let starts: [Int]

    public init(ranges: [Range<Int>]) {
        self.ranges = ranges
        var s: [Int] = [], k = 0
        for r in ranges { s.append(k); k += r.count }
        starts = s
        count = k
        var c = 512
        while c < 1 << 16, c * 64 < k { c *= 2 }
        chunk = c
    }

    public var chunkCount: Int { (count + chunk - 1) / chunk }

    /// Start of rank `r`'s slice of `ranks`: whole chunks (so whole cache lines),
    /// in order; the last ends at `count`.
    public func sliceBound(_ r: Int, of ranks: Int) -> Int {
        r >= ranks ? count : min(count, chunkCount * r / ranks * chunk)
    }

    public func slice(_ r: Int, of ranks: Int) -> Range<Int> { sliceBound(r, of: ranks) ..< sliceBound(r + 1, of: ranks) }

    /// A part of the space inside one range: its range's index, its positions in the parameter
    /// buffer and where it starts in the space.
    public struct Piece: Equatable, Sendable {
        public let range: Int
        public let params: Range<Int>
        public let offset: Int

        public init(range: Int, params: Range<Int>, offset: Int) {
            self.range = range
            self.params = params
            self.offset = offset
        }
    }

    /// The pieces of `span` (positions of the space), in order.
    public func pieces(_ span: Range<Int>) -> [Piece] {
        var out: [Piece] = []
        for (t, r) in ranges.enumerated() {
            let lo = max(span.lowerBound, starts[t]), hi = min(span.upperBound, starts[t] + r.count)
            guard lo < hi else { continue }
            out.append(Piece(range: t, params: r.lowerBound + lo - starts[t] ..< r.lowerBound + hi - starts[t], offset: lo))
        }
        return out
    }

    /// Σ g² of each chunk that `span` covers (span in whole chunks but for the space's end), written
    /// at the chunk's index in `partials` (chunkCount long).
    public func sumsOfSquares(_ g: TensorBuffer<Float>, over span: Range<Int>, into partials: inout [Double]) {
        precondition(span.lowerBound % chunk == 0 && (span.upperBound % chunk == 0 || span.upperBound == count),
                     "span \(span) is not whole chunks")
        var c = span.lowerBound / chunk
        var start = span.lowerBound
        while start < span.upperBound {
            let end = min(start + chunk, count)
            var s = 0.0
            for p in pieces(start..<end) { s += hsae_sum_squares_f32(p.params.count, g.base + p.params.lowerBound) }
            partials[c] = s
            c += 1
            start = end
        }
    }

    /// √Σ g² over the space: the chunks' sums added in order.
    public func norm(_ g: TensorBuffer<Float>) -> Double {
        var partials = [Double](repeating: 0, count: chunkCount)
        sumsOfSquares(g, over: 0..<count, into: &partials)
        return Self.norm(partials)
    }

    public static func norm(_ partials: [Double]) -> Double { partials.reduce(0, +).squareRoot() }
}
