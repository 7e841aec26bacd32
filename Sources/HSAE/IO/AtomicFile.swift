import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Crash-safe writes: data goes to a temporary name in the same directory, is fsynced, and is
/// renamed over the target; the directory is then fsynced so the rename itself is durable.
/// A reader sees either the old file or the complete new one, never a torn write.
public enum AtomicFile {
    /// `beforeRename` runs between the synced temporary and the rename (fault injection in tests).
    public static func write(_ data: Data, to path: String, beforeRename: () -> Void = {}) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let temp = dir + "/.\(url.lastPathComponent).tmp-\(getpid())"
        do {
            try writeSynced(data, to: temp)
        } catch {
            unlink(temp)  // a failed write (disk full) must not leave its temporary behind
            throw error
        }
        beforeRename()
        do {
            try POSIX.rename(temp, path, what: "cannot rename into place")
        } catch {
            unlink(temp)
            throw error
        }
        try syncDirectory(dir)
    }

    /// Writes and fsyncs a file (not atomic by itself; used for files inside a temporary directory).
    public static func writeSynced(_ data: Data, to path: String) throws {
        try POSIX.withDescriptor(path, O_WRONLY | O_CREAT | O_TRUNC, cannotOpen: "cannot create") { fd in
            try data.withUnsafeBytes { try POSIX.writeAll(fd, $0, path: path) }
            try POSIX.fsync(fd, path: path)
        }
    }

    /// fsync on a directory makes renames and creations inside it durable.
    public static func syncDirectory(_ path: String) throws {
        try POSIX.withDescriptor(path, O_RDONLY | O_DIRECTORY, cannotOpen: "cannot open directory") { fd in
            try POSIX.fsync(fd, path: path, directory: true)
        }
    }
}
