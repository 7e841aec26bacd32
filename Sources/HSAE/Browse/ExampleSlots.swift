/// Fixed-size per-latent example slots, the memory of `hsae features` that does not grow with the
/// row count. Legend: m latents, K slots per latent, c = 2w + 1 context values per slot.
///
/// Two policies share the storage:
/// - `top`: the K largest activations, ordered by (value descending, row ascending) — the row
///   breaks ties, so the kept set depends only on the rows, never on which rank saw them;
/// - `sample`: a bottom-K hash sample — every firing gets the key `hash(row, latent)` and the K
///   smallest keys are kept, a uniform random sample of the latent's firings that merges exactly
///   (the union's K smallest keys are the same whatever split of the rows produced the parts).
///
/// Each slot carries the latent's activation over the rows row − w … row + w (NaN outside the
/// rows that were computed), to shade the context.
public struct ExampleSlots: Sendable {
    public enum Policy: Sendable { case top, sample }

    public let policy: Policy
    public let latents: Int             // m
    public let capacity: Int            // K
    public let contextWidth: Int        // c = 2w + 1
    public private(set) var rows: [Int64]     // m×K, -1 = empty
    public private(set) var values: [Float]   // m×K
    public private(set) var keys: [Int64]     // m×K, the ordering key (sample: the hash; top: unused, 0)
    public private(set) var context: [Float]  // m×K×c
    private var filled: [Int]                 // m
    private var worst: [Int]                  // m, the slot to replace next (valid when full)

    public init(policy: Policy, latents: Int, capacity: Int, contextWidth: Int) {
        precondition(latents >= 0 && capacity >= 1 && contextWidth >= 1,
                     "example slots: \(latents) latents, capacity \(capacity), context \(contextWidth)")
        self.policy = policy
        self.latents = latents
        self.capacity = capacity
        self.contextWidth = contextWidth
        rows = [Int64](repeating: -1, count: latents * capacity)
        values = [Float](repeating: 0, count: latents * capacity)
        keys = [Int64](repeating: 0, count: latents * capacity)
        context = [Float](repeating: .nan, count: latents * capacity * contextWidth)
        filled = [Int](repeating: 0, count: latents)
        worst = [Int](repeating: 0, count: latents)
    }

    /// The hash of a firing for the sample policy (SplitMix64 finaliser over row and latent).
    @inline(__always) public static func sampleKey(row: Int, latent: Int, layer: Int) -> Int64 {
        var z = UInt64(truncatingIfNeeded: row) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: latent &* 4 &+ layer)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int64(bitPattern: (z ^ (z >> 31)) >> 1)  // non-negative
    }

    /// Whether (value, row, key) ranks before (v2, r2, k2) under this policy: kept in preference.
    @inline(__always) func better(_ v: Float, _ r: Int64, _ k: Int64, than v2: Float, _ r2: Int64, _ k2: Int64) -> Bool {
        switch policy {
        case .top: return v > v2 || (v == v2 && r < r2)
        case .sample: return k < k2 || (k == k2 && r < r2)
        }
    }

    /// Whether `offer` would keep this firing (cheap test before the context is gathered).
    @inline(__always) public func accepts(latent j: Int, value: Float, row: Int, key: Int64) -> Bool {
        if filled[j] < capacity { return true }
        let s = j * capacity + worst[j]
        return better(value, Int64(row), key, than: values[s], rows[s], keys[s])
    }

    /// Keeps the firing if it ranks among the K best; `fillContext` writes c values.
    public mutating func offer(latent j: Int, value: Float, row: Int, key: Int64,
                               fillContext: (UnsafeMutableBufferPointer<Float>) -> Void) {
        guard accepts(latent: j, value: value, row: row, key: key) else { return }
        let slot: Int
        if filled[j] < capacity {
            slot = filled[j]
            filled[j] += 1
        } else {
            slot = worst[j]
        }
        let s = j * capacity + slot
        rows[s] = Int64(row)
        values[s] = value
        keys[s] = key
        context.withUnsafeMutableBufferPointer { all in
            fillContext(UnsafeMutableBufferPointer(rebasing: all[s * contextWidth ..< (s + 1) * contextWidth]))
        }
        if filled[j] == capacity { worst[j] = findWorst(j) }
    }

    private func findWorst(_ j: Int) -> Int {
        var w = 0
        for k in 1..<capacity {
            let a = j * capacity + k, b = j * capacity + w
            if better(values[b], rows[b], keys[b], than: values[a], rows[a], keys[a]) { w = k }
        }
        return w
    }

    /// One kept example.
    public struct Example: Equatable, Sendable {
        public let row: Int
        public let value: Float
        public let key: Int64
        public let context: [Float]  // c
    }

    /// Latent j's examples, best first.
    public func examples(latent j: Int) -> [Example] {
        (0..<capacity).compactMap { k -> Example? in
            let s = j * capacity + k
            guard rows[s] >= 0 else { return nil }
            return Example(row: Int(rows[s]), value: values[s], key: keys[s],
                           context: Array(context[s * contextWidth ..< (s + 1) * contextWidth]))
        }.sorted { better($0.value, Int64($0.row), $0.key, than: $1.value, Int64($1.row), $1.key) }
    }

    /// The K best of several parts (one per rank), laid out like one part.
    public static func merged(_ parts: [ExampleSlots]) -> ExampleSlots {
        precondition(!parts.isEmpty, "merging no example slots")
        let first = parts[0]
        var out = ExampleSlots(policy: first.policy, latents: first.latents, capacity: first.capacity, contextWidth: first.contextWidth)
        for j in 0..<first.latents {
            var all = parts.flatMap { $0.examples(latent: j) }
            all.sort { first.better($0.value, Int64($0.row), $0.key, than: $1.value, Int64($1.row), $1.key) }
            for e in all.prefix(first.capacity) {
                out.offer(latent: j, value: e.value, row: e.row, key: e.key) { dst in
                    for i in 0..<dst.count { dst[i] = e.context[i] }
                }
            }
        }
        return out
    }

    /// Rebuilds a part from the flat arrays of `rows`, `values`, `keys`, `context` (as gathered).
    public init(policy: Policy, latents: Int, capacity: Int, contextWidth: Int,
                rows: [Int64], values: [Float], keys: [Int64], context: [Float]) {
        precondition(rows.count == latents * capacity && values.count == rows.count && keys.count == rows.count
                     && context.count == rows.count * contextWidth, "example slots: arrays do not match \(latents)×\(capacity)×\(contextWidth)")
        self.init(policy: policy, latents: latents, capacity: capacity, contextWidth: contextWidth)
        self.rows = rows
        self.values = values
        self.keys = keys
        self.context = context
        for j in 0..<latents {
            filled[j] = (0..<capacity).filter { rows[j * capacity + $0] >= 0 }.count
        }
        // Entries of a gathered part are packed at the front of each latent's slots.
    }
}
