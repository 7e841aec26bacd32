/// A 64-bit checksum for detecting corrupt or truncated files (not a cryptographic hash):
/// FNV-1a over 8-byte little-endian words, then the tail bytes, then the length.
public enum Checksum {
    public static func fnv1a64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let prime: UInt64 = 0x0000_0100_0000_01B3
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        let words = bytes.count / 8
        for i in 0..<words {
            h = (h ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) &* prime
        }
        for i in (words * 8)..<bytes.count { h = (h ^ UInt64(bytes[i])) &* prime }
        return (h ^ UInt64(bytes.count)) &* prime
    }

    public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let v = fnv1a64(bytes)
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
