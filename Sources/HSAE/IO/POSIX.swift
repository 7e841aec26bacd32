import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The POSIX calls hsae makes on files, each with its result checked: a call either succeeds or
/// throws `HSAEError.io` naming the path, what failed and the system's reason. Nothing else in
/// the library calls open/close/fsync/rename directly, so no result is dropped by accident
/// (a close can report a write error that the writes did not, on NFS for example).
enum POSIX {
    /// strerror of `code` (default: the current errno).
    static func reason(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    static func failure(_ path: String, _ what: String, _ code: Int32 = errno) -> HSAEError {
        .io(path: path, message: "\(what): \(reason(code))")
    }

    /// Opens `path`, runs `body` with the descriptor and closes it, checking the close too. When
    /// `body` throws, that error is the one reported (the descriptor is still closed).
    static func withDescriptor<R>(_ path: String, _ flags: Int32, mode: mode_t = 0o644, cannotOpen: String = "cannot open",
                                  openError: (String, String) -> HSAEError = { .io(path: $0, message: $1) },
                                  _ body: (Int32) throws -> R) throws -> R {
        let fd = open(path, flags, mode)
        guard fd >= 0 else { throw openError(path, "\(cannotOpen): \(reason())") }
        let result: R
        do {
            result = try body(fd)
        } catch {
            _ = Glibc.close(fd)  // already failing: the first error is the one that explains it
            throw error
        }
        guard Glibc.close(fd) == 0 else { throw failure(path, "close failed") }
        return result
    }

    /// Writes all of `bytes` at the descriptor's offset (retrying short writes and EINTR).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                throw HSAEError.io(path: path, message: "write failed: \(reason(code))" + (code == ENOSPC ? " (disk full: free space and resume)" : ""))
            }
            offset += n
        }
    }

    /// fsync; `directory`: EINVAL (a file system that cannot sync directories) is accepted, the
    /// rename is then as durable as that file system makes it.
    static func fsync(_ fd: Int32, path: String, directory: Bool = false) throws {
        guard Glibc.fsync(fd) == 0 || (directory && errno == EINVAL) else {
            throw failure(path, directory ? "fsync of the directory failed" : "fsync failed")
        }
    }

    /// rename(2); `what` says what was being moved (the message names the target).
    static func rename(_ from: String, _ to: String, what: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw failure(to, what) }
    }

    /// stat(2) of a path.
    static func status(_ path: String, error: (String, String) -> HSAEError = { .io(path: $0, message: $1) }) throws -> stat {
        var info = Glibc.stat()
        guard systemStat(path, &info) == 0 else { throw error(path, "cannot stat: \(reason())") }
        return info
    }
}

/// stat(2) (outside `POSIX`, where the name would mean the member).
private func systemStat(_ path: String, _ info: inout stat) -> Int32 { stat(path, &info) }
