import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory map of a whole file. Pages are read by the kernel on first touch, so
/// opening a 100 GB shard costs nothing until rows are read.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let count: Int
    private let base: UnsafeRawPointer?

    public init(path: String) throws {
        self.path = path
        let mapped = try POSIX.withDescriptor(path, O_RDONLY, openError: { .badInput(path: $0, message: $1) }) { fd -> (Int, UnsafeRawPointer?) in
            var info = stat()
            guard fstat(fd, &info) == 0 else {
                throw HSAEError.badInput(path: path, message: "cannot stat: \(POSIX.reason())")
            }
            guard (info.st_mode & S_IFMT) == S_IFREG else {
                throw HSAEError.badInput(path: path, message: "is not a regular file")
            }
            let count = Int(info.st_size)
            if count == 0 { return (0, nil) }
            let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
            guard let p, p != MAP_FAILED else {
                throw HSAEError.io(path: path, message: "cannot memory-map \(count) bytes: \(POSIX.reason())")
            }
            return (count, UnsafeRawPointer(p))
        }
        count = mapped.0
        base = mapped.1
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The mapped bytes. Valid for the lifetime of this object.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Drops this process's mapping of the file's pages (MADV_DONTNEED): they stay in the page
    /// cache, shared and reclaimable, but no longer count in this process's resident set, which
    /// would otherwise grow with every page of the data set ever read.
    public func dropResidentPages() {
        guard let base else { return }
        madvise(UnsafeMutableRawPointer(mutating: base), count, MADV_DONTNEED)
    }

    /// Advises the kernel that `range` will be read soon / sequentially.
    public func willNeed(_ range: Range<Int>) {
        guard let base, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = range.lowerBound / page * page
        madvise(UnsafeMutableRawPointer(mutating: base + start), range.upperBound - start, MADV_WILLNEED)
    }
}
