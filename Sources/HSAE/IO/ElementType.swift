/// Element types found in activation shards, labels and checkpoints, with on-the-fly
/// conversion to Float. Names follow safetensors (`F32`) and numpy (`<f4`).
public enum ElementType: String, Codable, Sendable, CaseIterable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"
    case i32 = "I32", i64 = "I64", u8 = "U8", bool = "BOOL"

    public var size: Int {
        switch self {
        case .f32, .i32: return 4
        case .f16, .bf16: return 2
        case .f64, .i64: return 8
        case .u8, .bool: return 1
        }
    }

    /// The numpy descr (little-endian), or nil when numpy has none (bf16).
    public var numpyDescr: String? {
        switch self {
        case .f32: return "<f4"
        case .f16: return "<f2"
        case .f64: return "<f8"
        case .i32: return "<i4"
        case .i64: return "<i8"
        case .u8: return "|u1"
        case .bool: return "|b1"
        case .bf16: return nil
        }
    }

    public init?(numpyDescr: String) {
        guard let t = ElementType.allCases.first(where: { $0.numpyDescr == numpyDescr }) else { return nil }
        self = t
    }

    public var isFloatingPoint: Bool { self == .f32 || self == .f16 || self == .bf16 || self == .f64 }

    /// Converts `count` little-endian elements at `source` to Float, into `destination`.
    public func convert(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        switch self {
        case .f32:
            // memcpy: a shard's data need not be 4-byte aligned in the file.
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: 4 * count)
        case .f16:
            for i in 0..<count {
                let bits = source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                destination[i] = Float(Float16(bitPattern: UInt16(littleEndian: bits)))
            }
        case .bf16:
            for i in 0..<count {
                let bits = source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                destination[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bits)) << 16)
            }
        case .f64:
            for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
        case .i32:
            for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) }
        case .i64:
            for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)) }
        case .u8, .bool:
            for i in 0..<count { destination[i] = Float(source.load(fromByteOffset: i, as: UInt8.self)) }
        }
    }

    /// Reads element `i` as an integer (label and index arrays).
    public func integer(_ source: UnsafeRawPointer, _ i: Int) -> Int {
        switch self {
        case .i32: return Int(source.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))
        case .i64: return Int(source.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
        case .u8, .bool: return Int(source.load(fromByteOffset: i, as: UInt8.self))
        case .f32, .f16, .bf16, .f64:
            var f: Float = 0
            convert(source + i * size, count: 1, into: &f)
            return Int(f)
        }
    }
}
