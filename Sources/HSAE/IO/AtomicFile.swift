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
        guard rename(temp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw HSAEError.io(path: path, message: "cannot rename into place: \(reason)")
        }
        try syncDirectory(dir)
    }

    /// Writes and fsyncs a file (not atomic by itself; used for files inside a temporary directory).
    public static func writeSynced(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw HSAEError.io(path: path, message: "cannot create: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    let reason = String(cString: strerror(errno))
                    throw HSAEError.io(path: path, message: "write failed: \(reason)" + (errno == ENOSPC ? " (disk full: free space and resume)" : ""))
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else {
            throw HSAEError.io(path: path, message: "fsync failed: \(String(cString: strerror(errno)))")
        }
    }

    /// fsync on a directory makes renames and creations inside it durable.
    public static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw HSAEError.io(path: path, message: "cannot open directory: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // EINVAL: the file system does not support syncing directories (some network and
        // virtual file systems); the rename is then as durable as that file system makes it.
        guard fsync(fd) == 0 || errno == EINVAL else {
            throw HSAEError.io(path: path, message: "fsync of the directory failed: \(String(cString: strerror(errno)))")
        }
    }
}
