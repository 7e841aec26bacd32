import Foundation

/// The numpy `.npy` format, versions 1–3:
///
///     "\x93NUMPY" major minor  header-length (u16 for v1, u32 for v2/3, little-endian)
///     header: a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (N, d), }
///             padded with spaces and a final '\n' so that the data starts 64-byte aligned
///     data:   C-order elements
///
/// Reading memory-maps the file; nothing is copied until rows are converted.
public struct NPYFile {
    public let path: String
    public let dtype: ElementType
    public let shape: [Int]
    public let dataOffset: Int
    public let file: MappedFile

    public init(path: String) throws {
        self.path = path
        file = try MappedFile(path: path)
        let b = file.bytes
        func bad(_ message: String) -> HSAEError { .badInput(path: path, message: message) }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard b.count >= 10, Array(b[0..<6]) == magic else { throw bad("not a .npy file (bad magic)") }
        let major = b[6]
        let (headerLength, headerStart): (Int, Int)
        switch major {
        case 1: (headerLength, headerStart) = (Int(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt16.self))), 10)
        case 2, 3:
            guard b.count >= 12 else { throw bad("truncated .npy header") }
            (headerLength, headerStart) = (Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt32.self))), 12)
        default: throw bad(".npy version \(major) is not supported (expected 1, 2 or 3)")
        }
        guard headerLength <= b.count - headerStart else {
            throw bad("truncated .npy header: header length \(headerLength) does not fit a \(b.count)-byte file")
        }
        let header = String(decoding: b[headerStart ..< headerStart + headerLength], as: UTF8.self)
        guard let descr = NPYFile.field("descr", in: header).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) }) else {
            throw bad(".npy header has no descr: \(header)")
        }
        guard let dtype = ElementType(numpyDescr: descr) else {
            throw bad("unsupported dtype '\(descr)', expected '<f4' or '<f2' (little-endian float32/float16)")
        }
        if NPYFile.field("fortran_order", in: header) == "True" {
            throw bad("array is in Fortran order, expected C order (save with np.ascontiguousarray)")
        }
        guard let shapeText = NPYFile.shapeText(in: header) else { throw bad(".npy header has no shape: \(header)") }
        let dims = shapeText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var shape: [Int] = []
        for dim in dims {
            guard let v = Int(dim), v >= 0 else { throw bad("bad shape entry '\(dim)' in \(shapeText)") }
            shape.append(v)
        }
        self.dtype = dtype
        self.shape = shape
        dataOffset = headerStart + headerLength
        guard let needed = CheckedSize.bytes(shape, elementSize: dtype.size) else {
            throw bad("shape \(shape) of \(descr) is too large (its byte count overflows a 64-bit integer)")
        }
        guard b.count - dataOffset >= needed else {
            throw bad("truncated: shape \(shape) of \(descr) needs \(needed) data bytes, file has \(b.count - dataOffset)")
        }
    }

    public var elementCount: Int { shape.reduce(1, *) }

    /// The data bytes (mapped).
    public var data: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[dataOffset ..< dataOffset + elementCount * dtype.size])
    }

    static func field(_ key: String, in header: String) -> String? {
        for quote in ["'", "\""] {
            guard let r = header.range(of: "\(quote)\(key)\(quote)") else { continue }
            let rest = header[r.upperBound...].drop { $0 == " " || $0 == ":" }
            if rest.hasPrefix("(") { return nil }
            let value = rest.prefix { $0 != "," && $0 != "}" }
            return value.trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    static func shapeText(in header: String) -> String? {
        guard let r = header.range(of: "shape") else { return nil }
        let rest = header[r.upperBound...]
        guard let open = rest.firstIndex(of: "("), let close = rest[open...].firstIndex(of: ")") else { return nil }
        return String(rest[rest.index(after: open) ..< close])
    }

    /// The bytes of a `.npy` file holding `raw` (C order) with this dtype and shape.
    public static func serialize(dtype: ElementType, shape: [Int], raw: Data) -> Data {
        guard let descr = dtype.numpyDescr else { preconditionFailure("numpy has no dtype for \(dtype)") }
        precondition(shape.reduce(1, *) * dtype.size == raw.count, "npy: shape \(shape) vs \(raw.count) bytes")
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        var length = UInt16(header.utf8.count).littleEndian
        out.append(Data(bytes: &length, count: 2))
        out.append(Data(header.utf8))
        out.append(raw)
        return out
    }

    public static func serialize(_ values: [Float], shape: [Int]) -> Data {
        serialize(dtype: .f32, shape: shape, raw: values.withUnsafeBytes { Data($0) })
    }

    public static func serialize(_ values: [Int32], shape: [Int]) -> Data {
        serialize(dtype: .i32, shape: shape, raw: values.withUnsafeBytes { Data($0) })
    }
}
