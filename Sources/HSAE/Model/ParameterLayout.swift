/// The trainable tensors of DESIGN §2, their shapes, and their places in one flat buffer.
public enum TensorID: Int, CaseIterable, Codable, Sendable {
    case bottomWEnc, bottomBEnc, bottomWDec, bottomBDec
    case topWEnc, topBEnc, topWDec, topBDec
    case gateLogits

    /// The normative name (model.safetensors).
    public var name: String {
        switch self {
        case .bottomWEnc: return "bottom.W_enc"
        case .bottomBEnc: return "bottom.b_enc"
        case .bottomWDec: return "bottom.W_dec"
        case .bottomBDec: return "bottom.b_dec"
        case .topWEnc: return "top.W_enc"
        case .topBEnc: return "top.b_enc"
        case .topWDec: return "top.W_dec"
        case .topBDec: return "top.b_dec"
        case .gateLogits: return "gate.logits"
        }
    }

    public var isBottom: Bool { rawValue <= TensorID.bottomBDec.rawValue }
    public var isTop: Bool { (TensorID.topWEnc.rawValue...TensorID.topBDec.rawValue).contains(rawValue) }
}

/// Offsets and shapes of every tensor in the flat parameter buffer. The baseline has no
/// top or gate tensors.
///
/// Memory layout is free, file layout is not (DESIGN §8): `bottom.W_enc` (d × m1 in files) is
/// held transposed in memory, m1 × d, one contiguous row per latent, so that the sparse
/// backward pass touches only the rows of active latents. `fileShape` is the normative shape;
/// `fileOrder`/`memoryOrder` convert a tensor's values between the two.
public struct ParameterLayout: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public let id: TensorID
        public let offset: Int
        public let rows: Int
        public let cols: Int
        /// Held in memory as the transpose of its file shape.
        public let transposedInMemory: Bool
        public var count: Int { rows * cols }
        public var range: Range<Int> { offset ..< offset + count }
        /// The normative (safetensors) shape: vectors are 1-D.
        public var fileShape: [Int] { rows == 1 ? [cols] : transposedInMemory ? [cols, rows] : [rows, cols] }

        /// Values in file order from values in memory order (both `count` long).
        public func fileOrder<T>(_ memory: UnsafeBufferPointer<T>) -> [T] {
            guard transposedInMemory else { return Array(memory) }
            return Self.transpose(memory, rows: rows, cols: cols)
        }

        /// Values in memory order from values in file order.
        public func memoryOrder<T>(_ file: UnsafeBufferPointer<T>) -> [T] {
            guard transposedInMemory else { return Array(file) }
            return Self.transpose(file, rows: cols, cols: rows)
        }

        /// The transpose of a row-major rows × cols matrix, in 64 × 64 tiles.
        static func transpose<T>(_ a: UnsafeBufferPointer<T>, rows: Int, cols: Int) -> [T] {
            precondition(a.count == rows * cols, "transpose of \(a.count) values as \(rows) × \(cols)")
            guard let first = a.first else { return [] }
            var out = [T](repeating: first, count: a.count)
            let tile = 64
            out.withUnsafeMutableBufferPointer { o in
                for i0 in stride(from: 0, to: rows, by: tile) {
                    for j0 in stride(from: 0, to: cols, by: tile) {
                        for i in i0 ..< min(i0 + tile, rows) {
                            for j in j0 ..< min(j0 + tile, cols) { o[j * rows + i] = a[i * cols + j] }
                        }
                    }
                }
            }
            return out
        }
    }

    public let entries: [Entry]
    public let count: Int

    public init(_ config: ModelConfig) {
        let (d, m1, m2) = (config.d, config.m1, config.m2)
        var shapes: [(TensorID, Int, Int)] = [
            (.bottomWEnc, m1, d), (.bottomBEnc, 1, m1), (.bottomWDec, m1, d), (.bottomBDec, 1, d),
        ]
        if !config.isBaseline {
            shapes += [(.topWEnc, m1, m2), (.topBEnc, 1, m2), (.topWDec, m2, m1), (.topBDec, 1, m1), (.gateLogits, 1, m1)]
        }
        var offset = 0
        var entries: [Entry] = []
        for (id, r, c) in shapes {
            entries.append(Entry(id: id, offset: offset, rows: r, cols: c, transposedInMemory: id == .bottomWEnc))
            offset += r * c
        }
        self.entries = entries
        count = offset
    }

    public func entry(_ id: TensorID) -> Entry {
        guard let e = entries.first(where: { $0.id == id }) else {
            preconditionFailure("tensor \(id.name) is not part of this model (baseline has no top/gate)")
        }
        return e
    }

    public func contains(_ id: TensorID) -> Bool { entries.contains { $0.id == id } }

    /// A whole buffer with this layout (parameters, Adam moments) in file order: each tensor's
    /// values as `fileOrder` gives them, tensors in layout order.
    public func fileOrder<T>(_ buffer: UnsafeBufferPointer<T>) -> [T] {
        precondition(buffer.count == count, "buffer of \(buffer.count) elements does not match layout of \(count)")
        return entries.flatMap { e in e.fileOrder(UnsafeBufferPointer(rebasing: buffer[e.range])) }
    }

    /// The inverse of `fileOrder`.
    public func memoryOrder<T>(_ file: UnsafeBufferPointer<T>) -> [T] {
        precondition(file.count == count, "\(file.count) values do not match layout of \(count)")
        return entries.flatMap { e in e.memoryOrder(UnsafeBufferPointer(rebasing: file[e.range])) }
    }

    /// A view of tensor `id` inside a buffer with this layout (memory orientation: rows × cols).
    public func view<T>(_ id: TensorID, in buffer: TensorBuffer<T>) -> View<T> {
        precondition(buffer.count == count, "buffer of \(buffer.count) elements does not match layout of \(count)")
        let e = entry(id)
        return buffer.view(offset: e.offset, rows: e.rows, cols: e.cols)
    }
}
