import Foundation

/// The checksum that covers `state.json` itself. The file records the checksums of the
/// checkpoint's other files, so its own cannot live in it as a plain field: it is computed
/// over the file's bytes with the `stateChecksum` value replaced by 16 zeros, then written in
/// place of those zeros. Verification undoes the replacement on the bytes as read — no
/// re-encoding, so it does not depend on how JSON numbers are formatted.
public enum StateChecksum {
    static let key = Array("\"stateChecksum\"".utf8)
    static let placeholder = String(repeating: "0", count: 16)

    /// `state` encoded with its checksum filled in.
    public static func encode(_ state: TrainerState) throws -> Data {
        var state = state
        state.stateChecksum = placeholder
        var bytes = Array(try JSONFormat.encoder(.pretty).encode(state))
        guard let range = valueRange(in: bytes) else { preconditionFailure("encoded state has no stateChecksum value") }
        let sum = bytes.withUnsafeBytes(Checksum.hex)
        bytes.replaceSubrange(range, with: Array(sum.utf8))
        return Data(bytes)
    }

    /// Whether the bytes of a state.json carry a correct checksum; the problem otherwise.
    public static func problem(in data: Data) -> String? {
        var bytes = Array(data)
        guard let range = valueRange(in: bytes) else {
            return "has no stateChecksum (written by an older hsae, or edited by hand)"
        }
        let recorded = String(decoding: bytes[range], as: UTF8.self)
        bytes.replaceSubrange(range, with: Array(placeholder.utf8))
        let actual = bytes.withUnsafeBytes(Checksum.hex)
        return actual == recorded ? nil : "is corrupt or was edited (checksum \(actual), it records \(recorded))"
    }

    /// The 16 characters of the quoted value after the key, when the file has exactly that shape.
    static func valueRange(in bytes: [UInt8]) -> Range<Int>? {
        guard bytes.count > key.count else { return nil }
        var i = 0
        while i + key.count <= bytes.count {
            if bytes[i] == key[0], Array(bytes[i ..< i + key.count]) == key { break }
            i += 1
        }
        guard i + key.count <= bytes.count else { return nil }
        var j = i + key.count
        while j < bytes.count, bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: ":") { j += 1 }
        guard j < bytes.count, bytes[j] == UInt8(ascii: "\""), j + 17 < bytes.count, bytes[j + 17] == UInt8(ascii: "\"") else { return nil }
        return j + 1 ..< j + 17
    }
}
