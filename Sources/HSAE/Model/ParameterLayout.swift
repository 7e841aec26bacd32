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
public struct ParameterLayout: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public let id: TensorID
        public let offset: Int
        public let rows: Int
        public let cols: Int
        public var count: Int { rows * cols }
        public var range: Range<Int> { offset ..< offset + count }
        /// safetensors shape: vectors are 1-D.
        public var shape: [Int] { rows == 1 ? [cols] : [rows, cols] }
    }

    public let entries: [Entry]
    public let count: Int

    public init(_ config: ModelConfig) {
        let (d, m1, m2) = (config.d, config.m1, config.m2)
        var shapes: [(TensorID, Int, Int)] = [
            (.bottomWEnc, d, m1), (.bottomBEnc, 1, m1), (.bottomWDec, m1, d), (.bottomBDec, 1, d),
        ]
        if !config.isBaseline {
            shapes += [(.topWEnc, m1, m2), (.topBEnc, 1, m2), (.topWDec, m2, m1), (.topBDec, 1, m1), (.gateLogits, 1, m1)]
        }
        var offset = 0
        var entries: [Entry] = []
        for (id, r, c) in shapes {
            entries.append(Entry(id: id, offset: offset, rows: r, cols: c))
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

    /// A view of tensor `id` inside a buffer with this layout.
    public func view<T>(_ id: TensorID, in buffer: TensorBuffer<T>) -> View<T> {
        precondition(buffer.count == count, "buffer of \(buffer.count) elements does not match layout of \(count)")
        let e = entry(id)
        return buffer.view(offset: e.offset, rows: e.rows, cols: e.cols)
    }
}
