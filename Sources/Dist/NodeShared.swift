import CMPI
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Memory that every rank of a job on one node maps: one segment per rank, in rank order, each
/// `bytesPerRank` long (rounded up to a page) and zeroed when created. A rank may read any
/// segment and write any; who writes what, and when, is the caller's protocol: a write and another
/// rank's later read need `Communicator.sharedFence()` between them, and so does a read and another
/// rank's later overwrite (any collective that every rank enters after its reads will do, as
/// GradientReducer's stats allreduce does).
public final class NodeSharedSegments: @unchecked Sendable {
    public let ranks: Int
    public let bytesPerRank: Int
    private let stride: Int
    private let base: UnsafeMutableRawPointer
    private let release: () -> Void

    init(ranks: Int, bytesPerRank: Int, stride: Int, base: UnsafeMutableRawPointer, release: @escaping () -> Void) {
        self.ranks = ranks
        self.bytesPerRank = bytesPerRank
        self.stride = stride
        self.base = base
        self.release = release
    }

    /// The start of rank `r`'s segment.
    public func segment(_ r: Int) -> UnsafeMutableRawPointer {
        precondition((0..<ranks).contains(r), "segment \(r) of \(ranks)")
        return base + r * stride
    }

    deinit { release() }

    /// Page-aligned segment length for `bytes`.
    static func stride(_ bytes: Int) -> Int { (max(bytes, 1) + 4095) / 4096 * 4096 }
}

/// Why `Communicator.nodeSharedSegments` gave none.
public enum NodeSharingUnavailable: Error, Equatable, CustomStringConvertible {
    /// One rank: nothing to share.
    case singleRank
    /// The ranks run on more than one node.
    case severalNodes
    /// The node could not provide it (rank 0's reason, or the first rank that failed).
    case failed(String)

    public var description: String {
        switch self {
        case .singleRank: return "one rank"
        case .severalNodes: return "the ranks run on more than one node"
        case .failed(let reason): return reason
        }
    }
}

extension Communicator {
    /// Maps `bytesPerRank` bytes per rank of memory that every rank reads and writes, when all
    /// ranks run on one node. Collective: every rank calls it with the same size, and every rank
    /// gets segments or every rank gets the same reason why not (the caller then uses collectives).
    /// Under MPI: a POSIX shared-memory object (/dev/shm) that rank 0 creates with its whole size
    /// reserved up front (posix_fallocate: a full /dev/shm is an error here, not a SIGBUS later) and
    /// unlinks as soon as every rank has mapped it, so nothing is left behind; each rank checks
    /// that it sees what every other wrote before the segments are used.
    public func nodeSharedSegments(bytesPerRank: Int) throws -> Result<NodeSharedSegments, NodeSharingUnavailable> {
        guard size > 1 else { return .failure(.singleRank) }
        return try backend.nodeSharedSegments(bytesPerRank: bytesPerRank)
    }

    /// Every write any rank made to shared segments before this call is visible to every rank
    /// after it: a full memory fence, a barrier, a fence.
    public func sharedFence() throws {
        cmpi_memory_fence()
        try backend.barrier()
        cmpi_memory_fence()
    }
}

extension MPIBackend {
    func nodeSharedSegments(bytesPerRank: Int) throws -> Result<NodeSharedSegments, NodeSharingUnavailable> {
        var node = cmpi_comm_null()
        try mpiCheck(MPI_Comm_split_type(comm, cmpi_comm_type_shared(), 0, cmpi_info_null(), &node), "MPI_Comm_split_type")
        var nodeSize: Int32 = 0
        let sizeCode = MPI_Comm_size(node, &nodeSize)
        MPI_Comm_free(&node)
        try mpiCheck(sizeCode, "MPI_Comm_size")
        // If one rank's node holds every rank, every rank's does: all ranks decide alike.
        guard Int(nodeSize) == size else { return .failure(.severalNodes) }

        let stride = NodeSharedSegments.stride(bytesPerRank), length = stride * size
        // Rank 0 creates the object; its name (or its reason for failing) travels to the others.
        var message = [UInt8](repeating: 0, count: 256)
        var fd: Int32 = -1
        var name = ""
        var created = false   // rank 0: the object exists and must be unlinked, whatever happens next
        if rank == 0 {
            sharedObjects += 1
            name = "/hsae-\(getpid())-\(sharedObjects)"
            fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0o600)
            created = fd >= 0
            var failure: String? = fd < 0 ? "shm_open \(name): \(String(cString: strerror(errno)))" : nil
            if fd >= 0 {
                let code = posix_fallocate(fd, 0, off_t(length))
                if code != 0 {
                    failure = "cannot reserve \(length >> 20) MiB in /dev/shm for \(size) ranks: \(String(cString: strerror(code)))"
                }
            }
            let text = Array(("\(failure == nil ? "+" : "-")\(failure ?? name)").utf8.prefix(255))
            message.replaceSubrange(0..<text.count, with: text)
        }
        try message.withUnsafeMutableBytes { try broadcast($0, root: 0) }
        let sent = String(decoding: message.prefix { $0 != 0 }, as: UTF8.self)
        var local: String? = nil
        var mapped: UnsafeMutableRawPointer? = nil
        if sent.hasPrefix("+") {
            name = String(sent.dropFirst())
            if rank != 0 { fd = shm_open(name, O_RDWR, 0) }
            if fd < 0 {
                local = "rank \(rank): shm_open \(name): \(String(cString: strerror(errno)))"
            } else {
                let p = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                if p == MAP_FAILED { local = "rank \(rank): mmap of \(length >> 20) MiB: \(String(cString: strerror(errno)))" } else { mapped = p }
                close(fd)
            }
        } else {
            local = String(sent.dropFirst())
            if fd >= 0 { close(fd) }
        }
        // Each rank marks its segment; every rank must see every mark (one node, one object).
        if let p = mapped { (p + rank * stride).storeBytes(of: Int64(rank + 1), as: Int64.self) }
        cmpi_memory_fence()
        try barrier()
        cmpi_memory_fence()
        if let p = mapped, local == nil {
            for q in 0..<size where (p + q * stride).load(as: Int64.self) != Int64(q + 1) {
                local = "rank \(rank) does not see rank \(q)'s writes to \(name)"
                break
            }
        }
        var failed = [Int32(local == nil ? size : rank)]   // the first rank that failed, or size
        try failed.withUnsafeMutableBufferPointer { try allreduce($0, op: .min) }
        if created { shm_unlink(name) }
        guard failed[0] == Int32(size) else {
            if let p = mapped { munmap(p, length) }
            // The first failing rank's reason, for every rank.
            var reason = [UInt8](repeating: 0, count: 256)
            if rank == Int(failed[0]) { let t = Array((local ?? "").utf8.prefix(255)); reason.replaceSubrange(0..<t.count, with: t) }
            try reason.withUnsafeMutableBytes { try broadcast($0, root: Int(failed[0])) }
            return .failure(.failed(String(decoding: reason.prefix { $0 != 0 }, as: UTF8.self)))
        }
        // Every rank read the marks before the allreduce; each clears its own now.
        let p = mapped!
        (p + rank * stride).storeBytes(of: 0, as: Int64.self)
        return .success(NodeSharedSegments(ranks: size, bytesPerRank: bytesPerRank, stride: stride, base: p) { munmap(p, length) })
    }
}

extension SingleBackend {
    func nodeSharedSegments(bytesPerRank: Int) throws -> Result<NodeSharedSegments, NodeSharingUnavailable> { .failure(.singleRank) }
}

extension LocalBackend {
    /// Threads share the address space: rank 0 allocates, and every rank holds the same object.
    func nodeSharedSegments(bytesPerRank: Int) throws -> Result<NodeSharedSegments, NodeSharingUnavailable> {
        if rank == 0 {
            let stride = NodeSharedSegments.stride(bytesPerRank), length = stride * size
            let p = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 4096)
            p.initializeMemory(as: UInt8.self, repeating: 0, count: length)
            let segments = NodeSharedSegments(ranks: size, bytesPerRank: bytesPerRank, stride: stride, base: p) { p.deallocate() }
            group.slots[0] = Unmanaged.passRetained(segments).toOpaque()
        }
        group.barrier()
        let shared = Unmanaged<NodeSharedSegments>.fromOpaque(group.slots[0]!).takeUnretainedValue()
        group.barrier()
        if rank == 0 { Unmanaged.passUnretained(shared).release() }
        return .success(shared)
    }
}
