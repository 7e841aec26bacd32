/// A layer's code for one microbatch in compressed sparse rows: for each row, the latents that
/// are active (z > 0) in increasing index order, with their values. Built by the activation in
/// the same pass that writes the dense code; read by the sparse kernels.
///
///     row i's entries: index[start[i] ..< start[i+1]], value[...]     (b rows, m latents)
public final class SparseCode<T: BLASScalar> {
    @exclusivity(unchecked) public private(set) var rows = 0
    public let latents: Int
    @exclusivity(unchecked) public private(set) var start: [Int] = [0]
    @exclusivity(unchecked) public private(set) var index: [Int32] = []
    @exclusivity(unchecked) public private(set) var value: [T] = []

    public init(latents: Int) {
        precondition(latents <= Int(Int32.max), "a layer of \(latents) latents exceeds 32-bit latent indices")
        self.latents = latents
    }

    /// Number of active entries.
    public var count: Int { index.count }

    /// Fraction of the b × m entries that are active.
    public var density: Double { rows == 0 || latents == 0 ? 0 : Double(count) / (Double(rows) * Double(latents)) }

    public func reset(reservingPerRow perRow: Int, rows b: Int) {
        rows = 0
        columnsBuilt = false
        start.removeAll(keepingCapacity: true)
        start.append(0)
        index.removeAll(keepingCapacity: true)
        value.removeAll(keepingCapacity: true)
        index.reserveCapacity(perRow * b)
        value.reserveCapacity(perRow * b)
    }

    @inline(__always) func append(_ j: Int, _ v: T) {
        index.append(Int32(truncatingIfNeeded: j))
        value.append(v)
    }

    /// Appends a row's entries at once (cheaper than one `append` per entry) and closes the row.
    @inline(__always) func appendRow(index rowIndex: UnsafeBufferPointer<Int32>, value rowValue: UnsafeBufferPointer<T>) {
        index.append(contentsOf: rowIndex)
        value.append(contentsOf: rowValue)
        endRow()
    }

    /// Closes the current row.
    @inline(__always) func endRow() {
        rows += 1
        start.append(index.count)
    }

    /// The same entries grouped by latent (compressed sparse columns): latent j's entries are
    /// byLatent[latentStart[j] ..< latentStart[j+1]], entry ids in row order. Built on demand.
    @exclusivity(unchecked) public private(set) var latentStart: [Int] = []
    @exclusivity(unchecked) public private(set) var byLatent: [Int32] = []
    /// Row of each entry (for latent-ordered passes).
    @exclusivity(unchecked) public private(set) var entryRow: [Int32] = []
    @exclusivity(unchecked) private var next: [Int] = []
    @exclusivity(unchecked) private var columnsBuilt = false

    /// Calls body(latent, entry, row) for every entry, latent by latent and in row order within a
    /// latent (the columns built first): the order of the latent-ordered kernels, which keeps each
    /// latent's row of a weight matrix in cache while its entries use it.
    @inline(__always)
    public func forEachEntryByLatent(_ body: (_ latent: Int, _ entry: Int, _ row: Int) -> Void) {
        buildColumns()
        for j in 0..<latents where latentStart[j] < latentStart[j + 1] {
            for s in latentStart[j] ..< latentStart[j + 1] {
                let e = Int(byLatent[s])
                body(j, e, Int(entryRow[e]))
            }
        }
    }

    /// Builds `latentStart`, `byLatent` and `entryRow` (a counting sort, O(nnz + m)), once per code.
    public func buildColumns() {
        guard !columnsBuilt else { return }
        columnsBuilt = true
        // Reuses the arrays' storage: a microbatch's code is rebuilt every step.
        latentStart.removeAll(keepingCapacity: true)
        latentStart.append(contentsOf: repeatElement(0, count: latents + 1))
        for j in index { latentStart[Int(j) + 1] += 1 }
        for j in 0..<latents { latentStart[j + 1] += latentStart[j] }
        next.removeAll(keepingCapacity: true)
        next.append(contentsOf: latentStart)
        byLatent.removeAll(keepingCapacity: true)
        byLatent.append(contentsOf: repeatElement(0, count: count))
        entryRow.removeAll(keepingCapacity: true)
        entryRow.append(contentsOf: repeatElement(0, count: count))
        for i in 0..<rows {
            for e in start[i] ..< start[i + 1] {
                let j = Int(index[e])
                byLatent[next[j]] = Int32(truncatingIfNeeded: e)
                next[j] += 1
                entryRow[e] = Int32(truncatingIfNeeded: i)
            }
        }
    }

    /// Rebuilds the code from a dense b × m matrix (entries > 0).
    public func build(from z: View<T>) {
        reset(reservingPerRow: 0, rows: z.rows)
        columnsBuilt = false
        for i in 0..<z.rows {
            let row = z.row(i)
            for j in 0..<z.cols where row[j] > 0 { append(j, row[j]) }
            endRow()
        }
    }
}
