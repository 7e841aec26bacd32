import Foundation

/// One memory-mapped shard (`.npy` or `.safetensors`) and its optional labels and mask files.
///
/// A shard is 2-D (rows × d) or 3-D (batch × seq × d, flattened over batch × seq in C order).
/// A mask (`shard.mask`, or `<stem>.mask.npy` beside a bare shard: bool, uint8, int32 or int64,
/// shape batch × seq, or rows) keeps the rows where it is non-zero — padding dropped; row numbers
/// (labels, the evaluation split, checkpoints) then count kept rows only.
final class ShardReader {
    let path: String
    let rows: Int
    let d: Int
    let dtype: ElementType
    /// The safetensors tensor read (nil for .npy).
    let tensor: String?
    private let data: UnsafeRawPointer?
    private let storage: AnyObject  // keeps the mapping alive
    /// The same file read by position: rows for training and evaluation (`readRow`).
    private let rowFile: PositionalFile
    /// Byte offset of the first row in the file.
    private let dataOffset: Int
    private let labelData: UnsafeRawPointer?
    private let labelStorage: AnyObject?
    private let labelType: ElementType
    private let labelColumns: Int
    /// Kept positions when masked (rows entries), else nil.
    private let kept: [Int]?

    /// See MappedFile.dropResidentPages.
    func dropResidentPages() {
        (storage as? MappedFile)?.dropResidentPages()
        (labelStorage as? MappedFile)?.dropResidentPages()
    }

    /// - Parameter tensor: the safetensors tensor to read (`--tensor`); nil: the only tensor, or
    ///   `activations` when there are several.
    init(directory: String, shard: DatasetManifest.Shard, labelKinds: Int, tensor requested: String? = nil) throws {
        let path = directory + "/" + shard.file
        self.path = path
        func bad(_ message: String) -> HSAEError { .badInput(path: path, message: message) }
        let shape: [Int]
        if shard.file.hasSuffix(".npy") {
            let npy = try NPYFile(path: path)
            guard npy.dtype == .f32 || npy.dtype == .f16 else {
                throw bad("unsupported dtype '\(npy.dtype.numpyDescr ?? npy.dtype.rawValue)', expected '<f4' or '<f2'")
            }
            shape = npy.shape
            dtype = npy.dtype
            data = npy.data.baseAddress
            storage = npy.file
            tensor = nil
        } else if shard.file.hasSuffix(".safetensors") {
            let st = try SafeTensorsFile(path: path)
            let name = try Self.chooseTensor(in: st, requested: shard.tensor ?? requested, path: path)
            let t = st.tensors[name]!
            guard t.dtype == .f32 || t.dtype == .f16 || t.dtype == .bf16 else {
                throw bad("tensor '\(name)' is \(t.dtype.rawValue), expected F32, F16 or BF16")
            }
            shape = t.shape
            dtype = t.dtype
            data = st.bytes(t).baseAddress
            storage = st.file
            tensor = name
        } else {
            throw bad("unsupported shard type, expected .npy or .safetensors")
        }
        let mapped = (storage as! MappedFile).bytes
        dataOffset = data.map { $0 - UnsafeRawPointer(mapped.baseAddress!) } ?? 0
        rowFile = try PositionalFile(path: path)
        guard shape.count == 2 || shape.count == 3 else {
            throw bad("is a \(shape.count)-D array of shape \(shape), expected 2-D (rows × d) or 3-D (batch × seq × d)")
        }
        let positions = shape.dropLast().reduce(1, *)
        d = shape.last!
        let maskFile = shard.mask ?? Self.siblingMask(directory: directory, file: shard.file)
        if let maskFile {
            kept = try Self.readMask(directory + "/" + maskFile, expected: Array(shape.dropLast()), positions: positions)
            rows = kept!.count
        } else {
            kept = nil
            rows = positions
        }
        if let labels = shard.labels {
            let labelPath = directory + "/" + labels
            let npy = try NPYFile(path: labelPath)
            guard npy.dtype == .i32 || npy.dtype == .i64 else {
                throw HSAEError.badInput(path: labelPath, message: "labels must be int32 or int64, got \(npy.dtype.rawValue)")
            }
            guard npy.shape == [rows, labelKinds] else {
                throw HSAEError.badInput(path: labelPath, message: "labels have shape \(npy.shape), expected [\(rows), \(labelKinds)] (rows × label kinds)")
            }
            labelData = npy.data.baseAddress
            labelStorage = npy.file
            labelType = npy.dtype
            labelColumns = labelKinds
        } else {
            labelData = nil
            labelStorage = nil
            labelType = .i32
            labelColumns = 0
        }
    }

    /// The tensor to read: the requested one, else the only one, else `activations`.
    static func chooseTensor(in st: SafeTensorsFile, requested: String?, path: String) throws -> String {
        let names = st.tensors.keys.sorted()
        if let requested {
            guard st.tensors[requested] != nil else {
                throw HSAEError.badInput(path: path, message: "has no tensor named '\(requested)' (--tensor); it has: \(names.joined(separator: ", "))")
            }
            return requested
        }
        if names.count == 1 { return names[0] }
        if st.tensors["activations"] != nil { return "activations" }
        throw HSAEError.badInput(path: path, message: names.isEmpty ? "holds no tensors"
            : "holds \(names.count) tensors (\(names.joined(separator: ", "))) and none is named 'activations'; choose one with --tensor NAME")
    }

    /// `<stem>.mask.npy` beside a shard, when it exists.
    static func siblingMask(directory: String, file: String) -> String? {
        let stem = (file as NSString).deletingPathExtension
        let name = stem + DatasetManifest.maskSuffix
        return FileManager.default.fileExists(atPath: directory + "/" + name) ? name : nil
    }

    /// The positions where the mask is non-zero.
    static func readMask(_ path: String, expected: [Int], positions: Int) throws -> [Int] {
        let npy = try NPYFile(path: path)
        guard [.bool, .u8, .i32, .i64].contains(npy.dtype) else {
            throw HSAEError.badInput(path: path, message: "mask dtype is \(npy.dtype.numpyDescr ?? npy.dtype.rawValue), expected bool, uint8, int32 or int64")
        }
        guard npy.shape == expected || npy.shape == [positions] else {
            throw HSAEError.badInput(path: path, message: "mask has shape \(npy.shape), expected \(expected) (the activations' shape without d)")
        }
        let base = npy.data.baseAddress!
        return (0..<positions).filter { npy.dtype.integer(base, $0) != 0 }
    }

    /// Row `local` as Float, read by position (nothing of the file stays mapped); `scratch` holds
    /// d · dtype.size bytes for the conversion of 16-bit rows. The same values as `convertRow`.
    func readRow(_ local: Int, into out: UnsafeMutablePointer<Float>, scratch: UnsafeMutableRawPointer) throws {
        let position = kept.map { $0[local] } ?? local
        let bytes = d * dtype.size
        if dtype == .f32 {
            try rowFile.read(into: UnsafeMutableRawPointer(out), count: bytes, at: dataOffset + position * bytes)
        } else {
            try rowFile.read(into: scratch, count: bytes, at: dataOffset + position * bytes)
            dtype.convert(scratch, count: d, into: out)
        }
    }

    /// Rows `range` as Float into `out` (range.count × d), read by position in blocks of at most
    /// `block` bytes (one `pread` per block), or row by row when masked (kept rows are not
    /// contiguous in the file). The same values as `readRow` row by row.
    func readRows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>, block: Int = 1 << 24) throws {
        let bytes = d * dtype.size
        if kept != nil {
            try withUnsafeTemporaryAllocation(byteCount: bytes, alignment: 16) { row in
                for i in range { try readRow(i, into: out + (i - range.lowerBound) * d, scratch: row.baseAddress!) }
            }
            return
        }
        let perBlock = max(1, block / bytes)
        try withUnsafeTemporaryAllocation(byteCount: dtype == .f32 ? 0 : min(range.count, perBlock) * bytes, alignment: 16) { scratch in
            for first in stride(from: range.lowerBound, to: range.upperBound, by: perBlock) {
                let n = min(perBlock, range.upperBound - first)
                let dst = out + (first - range.lowerBound) * d
                if dtype == .f32 {
                    try rowFile.read(into: UnsafeMutableRawPointer(dst), count: n * bytes, at: dataOffset + first * bytes)
                } else {
                    try rowFile.read(into: scratch.baseAddress!, count: n * bytes, at: dataOffset + first * bytes)
                    dtype.convert(scratch.baseAddress!, count: n * d, into: dst)
                }
            }
        }
    }

    @inline(__always) func convertRow(_ local: Int, into out: UnsafeMutablePointer<Float>) {
        let position = kept.map { $0[local] } ?? local
        dtype.convert(data! + position * d * dtype.size, count: d, into: out)
    }

    /// The first row holding NaN or ±Inf, or nil (a full pass over the shard).
    func firstNonFiniteRow() -> Int? {
        var buffer = [Float](repeating: 0, count: d)
        return buffer.withUnsafeMutableBufferPointer { buf -> Int? in
            for row in 0..<rows {
                convertRow(row, into: buf.baseAddress!)
                if !ActivationDataset.isFinite(buf.baseAddress!, d) { return row }
            }
            return nil
        }
    }

    func label(_ local: Int, kind: Int) -> Int {
        guard let labelData, kind < labelColumns else { return -1 }
        return labelType.integer(labelData, local * labelColumns + kind)
    }
}
