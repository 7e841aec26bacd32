/// One shard's per-row truth file (CSR layout, see `TruthFiles`), memory-mapped and checked
/// at open: offsets start at 0, never decrease and end at nnz; features are valid indices.
final class TruthRows {
    let path: String
    let rows: Int
    private let file: SafeTensorsFile  // keeps the mapping alive
    private let offsets: UnsafeRawPointer    // I64 [rows + 1]
    private let features: UnsafeRawPointer?  // I32 [nnz]
    private let magnitudes: UnsafeRawPointer?  // F32 [nnz]

    init(path: String, rows: Int, features featureCount: Int) throws {
        self.path = path
        self.rows = rows
        file = try SafeTensorsFile(path: path)
        func bad(_ message: String) -> HSAEError { .badInput(path: path, message: message) }
        let o = try file.info("offsets"), f = try file.info("features"), m = try file.info("magnitudes")
        guard o.dtype == .i64, o.shape == [rows + 1] else {
            throw bad("offsets are \(o.dtype.rawValue) \(o.shape), expected I64 [\(rows + 1)] (rows + 1, from dataset.json)")
        }
        guard f.dtype == .i32, m.dtype == .f32, f.shape.count == 1, f.shape == m.shape else {
            throw bad("features \(f.dtype.rawValue) \(f.shape) and magnitudes \(m.dtype.rawValue) \(m.shape), expected I32 and F32 of one length")
        }
        offsets = file.bytes(o).baseAddress!
        features = file.bytes(f).baseAddress
        magnitudes = file.bytes(m).baseAddress
        var previous = 0
        for i in 0...rows {
            let v = offset(i)
            guard v >= previous, i > 0 || v == 0 else { throw bad("offsets[\(i)] = \(v) after \(previous): offsets must start at 0 and not decrease") }
            previous = v
        }
        guard previous == f.shape[0] else { throw bad("offsets end at \(previous), but there are \(f.shape[0]) features") }
        for k in 0 ..< f.shape[0] {
            let index = feature(k)
            guard index >= 0 && index < featureCount else { throw bad("entry \(k) names feature \(index), outside 0..<\(featureCount)") }
        }
    }

    @inline(__always) private func offset(_ i: Int) -> Int {
        Int(Int64(littleEndian: offsets.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
    }

    @inline(__always) private func feature(_ k: Int) -> Int {
        Int(Int32(littleEndian: features!.loadUnaligned(fromByteOffset: 4 * k, as: Int32.self)))
    }

    func firing(_ local: Int) -> [GroundTruth.Firing] {
        (offset(local) ..< offset(local + 1)).map { k in
            let bits = UInt32(littleEndian: magnitudes!.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self))
            return GroundTruth.Firing(feature: feature(k), magnitude: Float(bitPattern: bits))
        }
    }
}
