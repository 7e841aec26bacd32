import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `RUN/.lock`: one live hsae process per run directory. An exclusive `flock` held for the
/// life of the object; the holder's PID is written into the file so that a refused second
/// process can name it. The kernel drops the lock when the holder dies (even by SIGKILL), so
/// a stale file never blocks a resume. flock is not reliable on every network file system
/// (docs/SECURITY.md).
public final class RunLock {
    public let path: String
    private let fd: Int32

    public init(run: String) throws {
        path = run + "/.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw HSAEError.io(path: path, message: "cannot create the run lock: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = read(fd, &buffer, buffer.count)
            close(fd)
            let holder = String(decoding: buffer.prefix(max(0, n)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard reason == EWOULDBLOCK else {
                throw HSAEError.io(path: path, message: "cannot lock the run: \(String(cString: strerror(reason)))")
            }
            throw HSAEError.badConfig(option: run, message: "is in use by another hsae process (PID \(holder.isEmpty ? "unknown" : holder), "
                + "holding \(path)); wait for it to finish or stop it, then resume")
        }
        let pid = Array("\(getpid())\n".utf8)
        guard ftruncate(fd, 0) == 0, pwrite(fd, pid, pid.count, 0) == pid.count else {
            let failure = POSIX.failure(path, "cannot record this process's PID in the run lock")
            close(fd)
            throw failure
        }
        self.fd = fd
    }

    // Releases the flock. A close that fails cannot keep the lock: the kernel drops it with the
    // descriptor either way, and nothing was written through it that the run depends on.
    deinit { _ = close(fd) }
}
