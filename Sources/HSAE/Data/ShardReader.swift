import Foundation

/// One memory-mapped shard (`.npy` or `.safetensors`) and its optional labels file.
final class ShardReader {
    let path: String
    let rows: Int
    let d: Int
    let dtype: ElementType
    private let data: UnsafeRawPointer?
    private let storage: AnyObject  // keeps the mapping alive
    private let labelData: UnsafeRawPointer?
    private let labelStorage: AnyObject?
    private let labelType: ElementType
    private let labelColumns: Int

    /// See MappedFile.dropResidentPages.
    func dropResidentPages() {
        (storage as? MappedFile)?.dropResidentPages()
        (labelStorage as? MappedFile)?.dropResidentPages()
    }

    init(directory: String, shard: DatasetManifest.Shard, labelKinds: Int) throws {
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
        } else if shard.file.hasSuffix(".safetensors") {
            let st = try SafeTensorsFile(path: path)
            guard let t = st.tensors["activations"] else {
                throw bad("has no tensor named 'activations' (has: \(st.tensors.keys.sorted().joined(separator: ", ")))")
            }
            guard t.dtype == .f32 || t.dtype == .f16 || t.dtype == .bf16 else {
                throw bad("tensor 'activations' is \(t.dtype.rawValue), expected F32, F16 or BF16")
            }
            shape = t.shape
            dtype = t.dtype
            data = st.bytes(t).baseAddress
            storage = st.file
        } else {
            throw bad("unsupported shard type, expected .npy or .safetensors")
        }
        guard shape.count == 2 else {
            throw bad("is a \(shape.count)-D array of shape \(shape), expected 2-D (rows × d)")
        }
        rows = shape[0]
        d = shape[1]
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

    @inline(__always) func convertRow(_ local: Int, into out: UnsafeMutablePointer<Float>) {
        dtype.convert(data! + local * d * dtype.size, count: d, into: out)
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
