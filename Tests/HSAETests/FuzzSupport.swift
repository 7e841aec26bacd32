import Foundation
import HSAE

/// Seeded mutations of valid files for the fuzz tests: bit flips, random bytes, hostile
/// 64-bit words, truncation, insertion, and — for the text parts (JSON, npy headers) —
/// numbers and names replaced by hostile ones (2^62, -5, 1e30, ../outside/secret.npy).
struct Mutator {
    var rng: SplitMix64

    static let words: [UInt64] = [0, 1, 0xFFFF_FFFF_FFFF_FFF0, 1 << 62, UInt64(Int64.max), 1 << 63, 0xFFFF_FFFF, 1 << 40]
    static let numbers = ["-5", "-1", "0", "4611686018427387904", "1099511627776", "1e30", "-1e30", "18446744073709551600",
                          "99999999999999999999999", "1.5", "NaN", "inf", "9223372036854775807", "-9223372036854775808", "7", "2"]
    static let strings = ["../outside/secret.npy", "/etc/passwd", "", "..", "a/../../b", "activations", "F32", "I64", "<f4", ">f8", "\\u0000"]

    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }

    mutating func mutate(_ data: Data) -> Data {
        var bytes = [UInt8](data)
        for _ in 0 ..< 1 + below(3) {
            switch below(9) {
            case 0 where !bytes.isEmpty:  // flip a bit
                bytes[below(bytes.count)] ^= UInt8(1 << below(8))
            case 1 where !bytes.isEmpty:  // a random byte
                bytes[below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next())
            case 2 where bytes.count >= 8:  // a hostile little-endian word (e.g. the safetensors header length)
                let at = below(4) == 0 ? 0 : below(bytes.count - 7)
                let w = Self.words[below(Self.words.count)]
                for k in 0..<8 { bytes[at + k] = UInt8(truncatingIfNeeded: w >> (8 * UInt64(k))) }
            case 3:  // truncate
                bytes = Array(bytes.prefix(below(bytes.count + 1)))
            case 4:  // insert random bytes
                let at = below(bytes.count + 1)
                bytes.insert(contentsOf: (0 ..< 1 + below(8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            case 5, 6:  // replace a number in the text
                bytes = replaceToken(bytes, isPart: { $0 >= 0x30 && $0 <= 0x39 || $0 == 0x2D }, with: Self.numbers)
            case 7:  // replace a quoted string
                bytes = replaceQuoted(bytes)
            default:  // duplicate a chunk
                guard !bytes.isEmpty else { break }
                let from = below(bytes.count), length = 1 + below(min(32, bytes.count - from))
                bytes.insert(contentsOf: bytes[from ..< from + length], at: below(bytes.count + 1))
            }
        }
        return Data(bytes)
    }

    /// Replaces one run of bytes satisfying `isPart` (chosen at random) with one of `with`.
    mutating func replaceToken(_ bytes: [UInt8], isPart: (UInt8) -> Bool, with choices: [String]) -> [UInt8] {
        var runs: [Range<Int>] = []
        var i = 0
        while i < bytes.count {
            if isPart(bytes[i]) {
                let start = i
                while i < bytes.count, isPart(bytes[i]) { i += 1 }
                runs.append(start ..< i)
            } else { i += 1 }
        }
        guard !runs.isEmpty else { return bytes }
        var out = bytes
        out.replaceSubrange(runs[below(runs.count)], with: Array(choices[below(choices.count)].utf8))
        return out
    }

    mutating func replaceQuoted(_ bytes: [UInt8]) -> [UInt8] {
        let quotes = bytes.indices.filter { bytes[$0] == 0x22 || bytes[$0] == 0x27 }
        guard quotes.count >= 2 else { return bytes }
        let k = below(quotes.count - 1)
        var out = bytes
        out.replaceSubrange(quotes[k] + 1 ..< quotes[k + 1], with: Array(Self.strings[below(Self.strings.count)].utf8))
        return out
    }
}

/// Counts of a fuzz run: valid results, clear errors, and errors that were not HSAEErrors.
struct FuzzTally {
    var cases = 0, valid = 0, errors = 0
    var unclear: [String] = []

    /// Runs one case: a result or an HSAEError naming something is fine; a trap ends the process.
    mutating func run(_ label: String, _ body: () throws -> Void) {
        cases += 1
        do {
            try body()
            valid += 1
        } catch let error as HSAEError {
            errors += 1
            if error.description.isEmpty { unclear.append("\(label): empty message") }
        } catch {
            errors += 1
            unclear.append("\(label): \(type(of: error)): \(error)")
        }
    }
}
