import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file read by position (`pread`): the bytes land in the caller's buffer and nothing stays
/// mapped. Training reads rows this way, so its resident set does not depend on the data set:
/// a page a memory map faults in counts in the process's RSS (with up to 64 KB of fault-around
/// per row) until it is unmapped, while the page cache `pread` copies from does not.
final class PositionalFile: @unchecked Sendable {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == EMFILE
                ? "too many open files (the data set has more shards than the open-file limit `ulimit -n`: raise the limit, or write fewer, larger shards)"
                : String(cString: strerror(errno))
            throw HSAEError.badInput(path: path, message: "cannot open: \(reason)")
        }
    }

    deinit { close(fd) }

    /// Reads exactly `count` bytes at `offset` into `buffer` (retrying short reads and EINTR).
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int) throws {
        var done = 0
        while done < count {
            let n = pread(fd, buffer + done, count - done, off_t(offset + done))
            if n > 0 { done += n; continue }
            if n < 0, errno == EINTR { continue }
            throw HSAEError.io(path: path, message: n == 0
                ? "the file ends before byte \(offset + count) (reading \(count) bytes at offset \(offset)); was it truncated while in use?"
                : "cannot read \(count) bytes at offset \(offset): \(String(cString: strerror(errno)))")
        }
    }

    /// Raises this process's soft limit on open files to `needed` (at most the hard limit), so
    /// that a data set of many shards can hold one descriptor per shard.
    static func allowOpenFiles(_ needed: Int) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < rlim_t(needed) else { return }
        limit.rlim_cur = min(rlim_t(needed), limit.rlim_max)
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)  // best effort: open() reports a limit still too low
    }
}
