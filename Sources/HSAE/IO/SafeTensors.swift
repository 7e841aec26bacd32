import Foundation

/// The safetensors format (https://huggingface.co/docs/safetensors):
///
///     [u64 little-endian N][N bytes of JSON header][data]
///     header = {"NAME": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
///               "__metadata__": {"key": "string value"}}
///
/// offsets are relative to the start of the data. Reading memory-maps the file.
public struct SafeTensorsFile {
    public struct TensorInfo: Sendable, Equatable {
        public let name: String
        public let dtype: ElementType
        public let shape: [Int]
        /// Byte range inside the file (absolute).
        public let byteRange: Range<Int>
        public var elementCount: Int { shape.reduce(1, *) }
    }

    public let path: String
    public let tensors: [String: TensorInfo]
    public let metadata: [String: String]
    public let file: MappedFile

    /// Opens and validates the header: dtypes known, offsets inside the file and consistent with shapes.
    public init(path: String) throws {
        self.path = path
        file = try MappedFile(path: path)
        let bytes = file.bytes
        func bad(_ message: String) -> HSAEError { .badInput(path: path, message: message) }
        guard bytes.count >= 8 else { throw bad("not a safetensors file: \(bytes.count) bytes, expected at least 8") }
        let rawLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard rawLength > 0, rawLength <= UInt64(bytes.count - 8) else {
            throw bad("not a safetensors file: header length \(rawLength) does not fit a \(bytes.count)-byte file")
        }
        let headerLength = Int(rawLength)
        let headerData = Data(bytes[8 ..< 8 + headerLength])
        guard let json = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw bad("safetensors header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        let dataCount = bytes.count - dataStart
        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in json {
            if name == "__metadata__" {
                for (k, v) in value as? [String: Any] ?? [:] { metadata[k] = v as? String ?? "\(v)" }
                continue
            }
            guard let entry = value as? [String: Any], let dtypeName = entry["dtype"] as? String,
                  let shape = Self.integers(entry["shape"]), let offsets = Self.integers(entry["data_offsets"]), offsets.count == 2
            else { throw bad("tensor '\(name)': header entry needs dtype, shape and data_offsets (arrays of integers)") }
            guard let dtype = ElementType(rawValue: dtypeName) else {
                throw bad("tensor '\(name)': unsupported dtype \(dtypeName), expected one of "
                          + ElementType.allCases.map(\.rawValue).joined(separator: ", "))
            }
            guard offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw bad("tensor '\(name)': data offsets \(offsets) are not an increasing pair of non-negative integers")
            }
            guard offsets[1] <= dataCount else {
                throw bad("tensor '\(name)': data offsets \(offsets) run past the end of the file (truncated?)")
            }
            guard let expected = CheckedSize.bytes(shape, elementSize: dtype.size) else {
                throw bad("tensor '\(name)': shape \(shape) is invalid (a negative dimension, or a byte count that overflows)")
            }
            let range = (dataStart + offsets[0]) ..< (dataStart + offsets[1])
            guard range.count == expected else {
                throw bad("tensor '\(name)': shape \(shape) of \(dtypeName) needs \(expected) bytes, offsets give \(range.count)")
            }
            tensors[name] = TensorInfo(name: name, dtype: dtype, shape: shape, byteRange: range)
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// A JSON array of integers (numbers that are whole and fit Int), or nil. JSONSerialization
    /// gives NSNumber; `as? [Int]` would truncate 1.5 or fail unpredictably on 1e30.
    static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var out: [Int] = []
        for element in array {
            guard let number = element as? NSNumber, let i = Int(exactly: number) else { return nil }
            out.append(i)
        }
        return out
    }

    public func info(_ name: String) throws -> TensorInfo {
        guard let t = tensors[name] else {
            throw HSAEError.badInput(path: path, message: "no tensor named '\(name)' (has: \(tensors.keys.sorted().joined(separator: ", ")))")
        }
        return t
    }

    /// Raw bytes of a tensor (mapped, not copied).
    public func bytes(_ t: TensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[t.byteRange])
    }

    /// A tensor converted to Float, checking its shape when `shape` is given.
    public func floats(_ name: String, shape: [Int]? = nil) throws -> [Float] {
        let t = try info(name)
        if let shape, shape != t.shape {
            throw HSAEError.badInput(path: path, message: "tensor '\(name)' has shape \(t.shape), expected \(shape)")
        }
        guard t.dtype.isFloatingPoint else {
            throw HSAEError.badInput(path: path, message: "tensor '\(name)' is \(t.dtype.rawValue), expected a float type")
        }
        var out = [Float](repeating: 0, count: t.elementCount)
        out.withUnsafeMutableBufferPointer { dst in
            if let base = bytes(t).baseAddress, t.elementCount > 0 { t.dtype.convert(base, count: t.elementCount, into: dst.baseAddress!) }
        }
        return out
    }

    /// A tensor's exact bytes reinterpreted as `T` (which must match its dtype), for lossless round trips.
    public func values<T: BLASScalar>(_ name: String, as: T.Type = T.self) throws -> [T] {
        let t = try info(name)
        let want: ElementType = T.self == Double.self ? .f64 : .f32
        guard t.dtype == want else {
            throw HSAEError.badInput(path: path, message: "tensor '\(name)' is \(t.dtype.rawValue), expected \(want.rawValue)")
        }
        var out = [T](repeating: 0, count: t.elementCount)
        out.withUnsafeMutableBytes { $0.copyMemory(from: bytes(t)) }
        return out
    }

    /// Integer tensor values as Int.
    public func integers(_ name: String) throws -> [Int] {
        let t = try info(name)
        guard let base = bytes(t).baseAddress else { return [] }
        return (0..<t.elementCount).map { t.dtype.integer(base, $0) }
    }
}

/// Builds a safetensors file in memory: tensors in name order, header padded to 8 bytes.
public struct SafeTensorsWriter {
    private var entries: [(name: String, dtype: ElementType, shape: [Int], data: Data)] = []
    public var metadata: [String: String] = [:]

    public init(metadata: [String: String] = [:]) { self.metadata = metadata }

    public mutating func add<T: BLASScalar>(_ name: String, shape: [Int], values: [T]) {
        precondition(shape.reduce(1, *) == values.count, "tensor \(name): shape \(shape) vs \(values.count) values")
        let dtype: ElementType = T.self == Double.self ? .f64 : .f32
        entries.append((name, dtype, shape, values.withUnsafeBytes { Data($0) }))
    }

    public mutating func add(_ name: String, shape: [Int], int64 values: [Int64]) {
        precondition(shape.reduce(1, *) == values.count, "tensor \(name): shape \(shape) vs \(values.count) values")
        entries.append((name, .i64, shape, values.withUnsafeBytes { Data($0) }))
    }

    public mutating func add(_ name: String, dtype: ElementType, shape: [Int], raw: Data) {
        precondition(shape.reduce(1, *) * dtype.size == raw.count, "tensor \(name): shape \(shape) vs \(raw.count) bytes")
        entries.append((name, dtype, shape, raw))
    }

    /// The file's bytes. Deterministic: the same tensors give the same bytes.
    public func serialized() -> Data {
        let sorted = entries.sorted { $0.name < $1.name }
        var header = "{"
        var offset = 0
        var parts: [String] = []
        if !metadata.isEmpty {
            let items = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(items.joined(separator: ","))}")
        }
        for e in sorted {
            let end = offset + e.data.count
            parts.append("\(jsonString(e.name)):{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(e.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        header += parts.joined(separator: ",") + "}"
        while (8 + header.utf8.count) % 8 != 0 { header += " " }
        var out = Data()
        var length = UInt64(header.utf8.count).littleEndian
        out.append(Data(bytes: &length, count: 8))
        out.append(Data(header.utf8))
        for e in sorted { out.append(e.data) }
        return out
    }
}

/// A JSON string literal for `s`.
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}
