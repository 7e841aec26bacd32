/// A pseudo-random permutation of 0..<n with O(1) memory and O(1) random access: a 4-round
/// Feistel network on the smallest even-bit domain ≥ n, with cycle walking to stay inside
/// 0..<n. The same (n, seed) gives the same permutation on every rank and platform, and any
/// position can be computed directly, so resuming at batch t needs no replay.
public struct RandomPermutation: Sendable, Equatable {
    public let n: Int
    let halfBits: Int
    let keys: [UInt64]

    public init(count n: Int, seed: UInt64) {
        precondition(n > 0, "permutation of \(n) elements")
        self.n = n
        var bits = 2
        while (1 << bits) < n { bits += 1 }
        if bits % 2 == 1 { bits += 1 }
        halfBits = bits / 2
        var rng = SplitMix64(seed: seed ^ 0x5EED_0F_0DE5)
        keys = (0..<4).map { _ in rng.next() }
    }

    /// The element at position i.
    public subscript(i: Int) -> Int {
        precondition(i >= 0 && i < n, "permutation index \(i) outside 0..<\(n)")
        var x = UInt64(i)
        repeat { x = encrypt(x) } while x >= UInt64(n)
        return Int(x)
    }

    @inline(__always) private func encrypt(_ x: UInt64) -> UInt64 {
        let mask = (UInt64(1) << UInt64(halfBits)) - 1
        var left = x >> UInt64(halfBits), right = x & mask
        for key in keys {
            let f = Self.mix(right ^ key) & mask
            (left, right) = (right, left ^ f)
        }
        return (left << UInt64(halfBits)) | right
    }

    @inline(__always) static func mix(_ v: UInt64) -> UInt64 {
        var z = v &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The data order of DESIGN §5. The training rows are an index list (usually 0..<N, fewer
/// with --skip-nonfinite); the stream is perm_0 ‖ perm_1 ‖ …, one permutation per epoch from
/// the seed; global batch t is stream[tB ..< (t+1)B], microbatch q is its q-th slice of b
/// rows, and rank r of W takes microbatches r·n/W ..< (r+1)·n/W. Nothing depends on W except
/// which microbatches a rank computes.
public struct DataOrder: Sendable {
    public let rows: [Int]?         // training row ids; nil = 0..<count
    public let count: Int
    public let seed: UInt64
    public let batch: Int           // B
    public let microbatch: Int      // b
    public var microbatchesPerBatch: Int { batch / microbatch }

    public init(count: Int, rows: [Int]? = nil, seed: UInt64, batch: Int, microbatch: Int) {
        precondition(batch % microbatch == 0, "B = \(batch) is not a multiple of b = \(microbatch)")
        self.count = rows?.count ?? count
        self.rows = rows
        self.seed = seed
        self.batch = batch
        self.microbatch = microbatch
    }

    /// The row at stream position p.
    public func row(atStreamPosition p: Int) -> Int {
        let epoch = p / count
        let perm = RandomPermutation(count: count, seed: seed &+ UInt64(epoch) &* 0x9E37_79B9)
        let i = perm[p % count]
        return rows.map { $0[i] } ?? i
    }

    /// Rows of microbatch q of global batch t.
    public func rows(batch t: Int, microbatch q: Int) -> [Int] {
        let start = t * batch + q * microbatch
        let epochOfStart = start / count
        let perm = RandomPermutation(count: count, seed: seed &+ UInt64(epochOfStart) &* 0x9E37_79B9)
        return (start ..< start + microbatch).map { p in
            if p / count == epochOfStart {
                let i = perm[p % count]
                return rows.map { $0[i] } ?? i
            }
            return row(atStreamPosition: p)
        }
    }

    /// The microbatch indices rank r of W computes.
    public func microbatches(rank r: Int, ranks w: Int) -> Range<Int> {
        let per = microbatchesPerBatch / w
        return r * per ..< (r + 1) * per
    }
}
