import CKernels
import Foundation

/// A memory-mapped activation data set: a directory with `dataset.json` and shards, or a bare
/// directory of `.npy`/`.safetensors` shards (sorted by name), or a single shard file. Shards are
/// 2-D (rows × d) or 3-D (batch × seq × d), optionally masked (ShardReader).
///
/// Opening validates everything that is cheap to check (shapes, dtypes, widths, sizes,
/// manifest against shards); values are converted to Float only when rows are read.
public final class ActivationDataset: @unchecked Sendable {
    public let path: String
    /// The directory shard names are relative to (the path itself, or a single shard's directory).
    public let directory: String
    public let manifest: DatasetManifest
    /// `--tensor`: the safetensors tensor asked for (nil: each shard's only tensor, or `activations`).
    public let tensor: String?
    public let d: Int
    /// Rows over all shards.
    public let rows: Int
    let shards: [ShardReader]
    let shardStarts: [Int]  // shards.count + 1, cumulative rows
    /// Rows 0..<cachedRows as Float (`cacheLeadingRows`), read from memory instead of by position.
    @exclusivity(unchecked) private var cache: UnsafeMutablePointer<Float>?
    @exclusivity(unchecked) public private(set) var cachedRows = 0

    deinit { cache?.deallocate() }

    public init(path: String, tensor: String? = nil) throws {
        self.path = path
        self.tensor = tensor
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw HSAEError.badInput(path: path, message: "no such file or directory")
        }
        let parent = isDir.boolValue ? path : (path as NSString).deletingLastPathComponent
        let directory = parent.isEmpty ? "." : parent
        self.directory = directory
        var manifest: DatasetManifest
        if isDir.boolValue, FileManager.default.fileExists(atPath: path + "/" + DatasetManifest.fileName) {
            manifest = try DatasetManifest.read(from: path)
        } else {
            manifest = try Self.manifestForBareFiles(path: path, isDirectory: isDir.boolValue)
        }
        guard !manifest.shards.isEmpty else {
            throw HSAEError.badInput(path: path, message: "the data set has no shards")
        }
        PositionalFile.allowOpenFiles(manifest.shards.count + 256)  // one descriptor per shard
        var readers: [ShardReader] = []
        for shard in manifest.shards {
            let reader = try ShardReader(directory: directory, shard: shard, labelKinds: manifest.labelKinds?.count ?? 0, tensor: tensor)
            if let first = readers.first, reader.d != first.d {
                throw HSAEError.badInput(path: reader.path, message: "has width \(reader.d), but \(first.path) has width \(first.d); all shards must have the same d")
            }
            if manifest.d > 0, reader.d != manifest.d {
                throw HSAEError.badInput(path: reader.path, message: "has width \(reader.d), but \(DatasetManifest.fileName) says d = \(manifest.d)")
            }
            if shard.rows >= 0, reader.rows != shard.rows {
                throw HSAEError.badInput(path: reader.path, message: "has \(reader.rows) rows, but \(DatasetManifest.fileName) says \(shard.rows)")
            }
            readers.append(reader)
        }
        d = readers[0].d
        manifest.d = d
        for i in manifest.shards.indices { manifest.shards[i].rows = readers[i].rows }
        self.manifest = manifest
        shards = readers
        var starts = [0]
        for r in readers { starts.append(starts.last! + r.rows) }
        shardStarts = starts
        rows = starts.last!
        guard rows > 0 else { throw HSAEError.badInput(path: path, message: "the data set has 0 rows") }
        guard d > 0 else { throw HSAEError.badInput(path: path, message: "the data set has width d = 0") }
    }

    /// A manifest for a bare directory (every .npy/.safetensors file that is not a labels file) or one file.
    static func manifestForBareFiles(path: String, isDirectory: Bool) throws -> DatasetManifest {
        let files: [String]
        if isDirectory {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            files = names.filter { ($0.hasSuffix(".npy") || $0.hasSuffix(".safetensors")) && !$0.hasSuffix(DatasetManifest.labelsSuffix) && !$0.hasSuffix(DatasetManifest.maskSuffix)
                && !$0.hasSuffix(".truth.npy") && !$0.hasPrefix(".") }.sorted()
            guard !files.isEmpty else {
                throw HSAEError.badInput(path: path, message: "has no \(DatasetManifest.fileName) and no .npy or .safetensors shards")
            }
        } else {
            files = [(path as NSString).lastPathComponent]
        }
        return DatasetManifest(d: 0, dtype: "", shards: files.map { .init(file: $0, rows: -1) })
    }

    /// Which shard holds global row `row`, and the row inside it.
    @inline(__always) func locate(_ row: Int) -> (shard: Int, local: Int) {
        precondition(row >= 0 && row < rows, "row \(row) outside 0..<\(rows)")
        var lo = 0, hi = shards.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if shardStarts[mid] <= row { lo = mid } else { hi = mid - 1 }
        }
        return (lo, row - shardStarts[lo])
    }

    /// Converts the given global rows to Float into `out` (rows.count × d, row-major).
    /// Throws, naming shard and row, when a row holds NaN or ±Inf.
    /// Rows read by position (pread), not through the memory map, except those held by
    /// `cacheLeadingRows`: resident memory stays the size of `out` (plus the cache's fixed budget)
    /// however many rows a run reads (PositionalFile).
    public func read(rows indices: [Int], into out: UnsafeMutablePointer<Float>) throws {
        // All held in memory (the usual case once a small data set is cached): one gathering copy.
        let gathered = cachedRows > 0 && indices.allSatisfy { $0 >= 0 && $0 < cachedRows }
        if gathered, let cache {
            indices.withUnsafeBufferPointer { rows in
                rows.baseAddress!.withMemoryRebound(to: Int64.self, capacity: rows.count) {
                    hsae_gather_rows_f32(cache, d, $0, rows.count, out)
                }
            }
        }
        try withUnsafeTemporaryAllocation(byteCount: d * MemoryLayout<Float>.size, alignment: 16) { scratch in
            for (k, row) in indices.enumerated() {
                let dst = out + k * d
                switch (gathered, cache) {
                case (true, _): break
                case (false, let cache?) where row >= 0 && row < cachedRows:
                    dst.update(from: cache + row * d, count: d)
                default:
                    let (s, local) = locate(row)
                    try shards[s].readRow(local, into: dst, scratch: scratch.baseAddress!)
                }
                if !Self.isFinite(dst, d) {
                    let (s, local) = locate(row)
                    throw HSAEError.badInput(path: shards[s].path, message: "row \(local) contains NaN or Inf "
                        + "(hsae train --skip-nonfinite skips such rows in training; eval and features read every row they are given, so fix or remove the row)")
                }
            }
        }
    }

    /// Holds the leading global rows that fit in `budget` bytes (as Float, d · 4 bytes a row) in
    /// memory from now on, so that `read` copies them instead of asking the kernel for each one (a
    /// `pread` of a 512-byte row costs about 1.5 µs, a quarter of a small model's training step).
    /// Resident memory grows by at most `budget` whatever the data set's size; the values read are
    /// the same. Reads the rows sequentially, `block` bytes at a time. Returns the rows held; a
    /// budget under one row turns it off.
    @discardableResult
    public func cacheLeadingRows(budget: Int, block: Int = 1 << 24) throws -> Int {
        cache?.deallocate()
        cache = nil
        cachedRows = min(rows, max(0, budget) / (d * MemoryLayout<Float>.size))
        guard cachedRows > 0 else { return 0 }
        let memory = UnsafeMutablePointer<Float>.allocate(capacity: cachedRows * d)
        do {
            for (s, shard) in shards.enumerated() where shardStarts[s] < cachedRows {
                let end = min(shardStarts[s + 1], cachedRows)
                try shard.readRows(0 ..< end - shardStarts[s], into: memory + shardStarts[s] * d, block: block)
            }
        } catch {
            memory.deallocate()
            cachedRows = 0
            throw error
        }
        cache = memory
        return cachedRows
    }

    /// Reads rows into a new matrix.
    public func read(rows indices: [Int]) throws -> Matrix<Float> {
        var m = Matrix<Float>(rows: indices.count, cols: d)
        try m.storage.withUnsafeMutableBufferPointer { try read(rows: indices, into: $0.baseAddress!) }
        return m
    }

    /// Unmaps the pages read so far from this process (they stay in the page cache), so that a
    /// training run's resident memory does not grow with the size of the data set.
    public func dropResidentPages() {
        for shard in shards { shard.dropResidentPages() }
    }

    /// Global rows that contain NaN or ±Inf (a full pass over the data; used by --skip-nonfinite).
    public func nonFiniteRows() -> [Int] {
        var bad: [Int] = []
        var buffer = [Float](repeating: 0, count: d)
        buffer.withUnsafeMutableBufferPointer { buf in
            for row in 0..<rows {
                let (s, local) = locate(row)
                shards[s].convertRow(local, into: buf.baseAddress!)
                if !Self.isFinite(buf.baseAddress!, d) { bad.append(row) }
            }
        }
        return bad
    }

    @inline(__always) static func isFinite(_ p: UnsafePointer<Float>, _ n: Int) -> Bool {
        // x − x is 0 for finite x and NaN for NaN/±Inf; a sum of them is NaN iff any element is
        // non-finite, in any order — so 16 lanes at a time (a serial sum would not vectorise).
        var lanes = SIMD16<Float>()
        var i = 0
        while i + 16 <= n {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
            lanes += v - v
            i += 16
        }
        var acc = lanes.sum()
        while i < n { acc += p[i] - p[i]; i += 1 }
        return acc == 0
    }

    /// Label kinds, in column order (empty when the data set has none).
    public var labelKinds: [DatasetManifest.LabelKind] { manifest.labelKinds ?? [] }

    /// The labels of `kind` (index into `labelKinds`) for the given rows; -1 where missing.
    public func labels(kind: Int, rows indices: [Int]) -> [Int] {
        indices.map { row in
            let (s, local) = locate(row)
            return shards[s].label(local, kind: kind)
        }
    }

    /// Rows of the held-out evaluation split: the last `fraction` of rows, with the boundary
    /// moved forward to a document boundary when a `doc_id` label exists (no document is split);
    /// back to the start of the last document when there is no boundary ahead.
    public func evaluationSplit(fraction: Double = 0.05) -> Range<Int> {
        var start = min(rows - 1, max(1, Int((Double(rows) * (1 - fraction)).rounded())))
        if let docKind = labelKinds.firstIndex(where: { $0.name == "doc_id" }) {
            let isBoundary = { (row: Int) -> Bool in
                let pair = self.labels(kind: docKind, rows: [row - 1, row])
                return pair[0] != pair[1]
            }
            if let ahead = (start ..< rows).first(where: isBoundary) {
                start = ahead
            } else if let behind = (1 ..< start).last(where: isBoundary) {
                start = behind
            }  // one document only: it has to be split
        }
        return start ..< rows
    }
}
