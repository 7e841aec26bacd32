import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Paths as the file system sees them: every symbolic link resolved, in the target and in its
/// parents, so that the output rule (`OutputDirectory`) judges the directory that would really be
/// written, not the name it was given under.
enum RealPath {
    /// The longest path and name the system accepts (PATH_MAX − 1 bytes, NAME_MAX bytes).
    static let maxPath = Int(PATH_MAX) - 1, maxName = Int(NAME_MAX)

    /// Refuses a path the system cannot use, before anything is read or written: empty, longer
    /// than `maxPath` bytes, or with a component longer than `maxName` bytes.
    static func checkLength(_ path: String, option: String) throws {
        guard !path.isEmpty else { throw HSAEError.badConfig(option: option, message: "the path is empty; give a directory") }
        let bytes = path.utf8.count
        if bytes > maxPath {
            throw HSAEError.badConfig(option: option, message: "the path is \(bytes) bytes long; the system's limit is \(maxPath) bytes (PATH_MAX)")
        }
        if let long = path.split(separator: "/").first(where: { $0.utf8.count > maxName }) {
            throw HSAEError.badConfig(option: option, message: "the name '\(long.prefix(40))…' is \(long.utf8.count) bytes long; "
                + "the system's limit for one name is \(maxName) bytes (NAME_MAX)")
        }
    }

    /// realpath(3) of an existing path, nil when it does not exist (or cannot be resolved).
    static func existing(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `path` with every symbolic link resolved, whether or not it exists: the deepest existing
    /// ancestor is resolved by the system and the missing components appended (they cannot be
    /// links). A link whose target does not exist is refused: what it would create is not obvious.
    static func resolve(_ path: String, option: String) throws -> String {
        try checkLength(path, option: option)
        var resolved = path.hasPrefix("/") ? "/" : FileManager.default.currentDirectoryPath
        resolved = existing(resolved) ?? resolved
        var missing = false
        for component in path.split(separator: "/").map(String.init) where component != "." {
            if component == ".." {
                resolved = (resolved as NSString).deletingLastPathComponent
                missing = existing(resolved) == nil
                continue
            }
            let next = resolved == "/" ? "/" + component : resolved + "/" + component
            if !missing, let real = existing(next) {
                resolved = real
                continue
            }
            if !missing, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: next) {
                throw HSAEError.badConfig(option: option, message: "'\(path)': '\(next)' is a symbolic link to '\(target)', which does not exist; "
                    + "create the directory or give its real path")
            }
            missing = true
            resolved = next
        }
        try checkLength(resolved, option: option)
        return resolved
    }

    /// Whether `inner` lies strictly inside `outer` (both resolved).
    static func isInside(_ inner: String, _ outer: String) -> Bool {
        outer == "/" ? inner != "/" : inner.hasPrefix(outer + "/")
    }
}
