import Foundation

/// A group of ranks that run the same program and exchange data through collectives.
///
/// Every rank must call the same collectives in the same order with the same counts; the
/// methods here never branch on rank before a collective, so callers only have to keep
/// their own control flow identical.
public final class Communicator {
    /// How the ranks of this communicator are realised.
    public enum Transport: String, Sendable {
        /// A process started without `mpirun`: one rank, MPI never initialised.
        case single
        /// Processes started by `mpirun` (or `srun --mpi=pmix`), over OpenMPI.
        case mpi
        /// Threads of one process (unit tests of collective logic).
        case threads
    }

    let backend: CollectiveBackend
    public let transport: Transport

    public var rank: Int { backend.rank }
    public var size: Int { backend.size }
    public var isRoot: Bool { backend.rank == 0 }

    init(backend: CollectiveBackend, transport: Transport) {
        self.backend = backend
        self.transport = transport
    }

    /// The communicator of this process: MPI when started by a launcher, single-rank otherwise.
    /// Call once; `finalize()` before exit.
    public static func world(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Communicator {
        switch Launch.detect(environment: environment) {
        case .single:
            return Communicator(backend: SingleBackend(), transport: .single)
        case .mpi:
            return Communicator(backend: try MPIBackend(), transport: .mpi)
        }
    }

    /// `size` communicators backed by threads of this process; run each on its own thread.
    public static func threadGroup(size: Int) -> [Communicator] {
        precondition(size >= 1, "thread group size must be >= 1, got \(size)")
        let group = LocalGroup(size: size)
        return (0..<size).map { Communicator(backend: LocalBackend(rank: $0, group: group), transport: .threads) }
    }

    /// In-place reduction over all ranks: afterwards every rank holds `op` of all contributions.
    /// The corresponding C function is `MPI_Allreduce` with `MPI_IN_PLACE`.
    public func allreduce<T: CollectiveScalar>(_ buffer: UnsafeMutableBufferPointer<T>, op: ReductionOp = .sum) throws {
        guard buffer.count > 0 else { return }
        try backend.allreduce(buffer, op: op)
    }

    /// In-place reduction of an array (see `allreduce(_:op:)`).
    public func allreduce<T: CollectiveScalar>(_ array: inout [T], op: ReductionOp = .sum) throws {
        try array.withUnsafeMutableBufferPointer { try allreduce($0, op: op) }
    }

    /// Reduction of one value.
    public func allreduce<T: CollectiveScalar>(_ value: T, op: ReductionOp = .sum) throws -> T {
        var one = [value]
        try allreduce(&one, op: op)
        return one[0]
    }

    /// Copies `root`'s bytes to every rank; all ranks must pass buffers of the same length.
    /// The corresponding C function is `MPI_Bcast`.
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int = 0) throws {
        try checkRoot(root)
        guard buffer.count > 0 else { return }
        try backend.broadcast(buffer, root: root)
    }

    /// Copies `root`'s array to every rank; the length travels first, so other ranks may pass any array.
    public func broadcast<T: CollectiveScalar>(_ array: inout [T], root: Int = 0) throws {
        var count = [Int64(array.count)]
        try count.withUnsafeMutableBytes { try broadcast($0, root: root) }
        if rank != root { array = [T](repeating: 0, count: Int(count[0])) }
        try array.withUnsafeMutableBytes { try broadcast($0, root: root) }
    }

    /// Copies `root`'s value to every rank, as JSON. Other ranks may pass `nil`.
    public func broadcast<V: Codable>(_ value: V?, root: Int = 0) throws -> V {
        var bytes: [UInt8] = []
        if rank == root {
            guard let value else { throw DistError.invalidArgument("broadcast: root \(root) has no value to send") }
            bytes = Array(try JSONEncoder().encode(value))
        }
        try broadcast(&bytes, root: root)
        return try JSONDecoder().decode(V.self, from: Data(bytes))
    }

    /// Collects `values` (same count on every rank) at `root`: rank r's values are row r.
    /// Other ranks receive `[]`. The corresponding C function is `MPI_Gather`.
    public func gather<T: CollectiveScalar>(_ values: [T], root: Int = 0) throws -> [[T]] {
        try checkRoot(root)
        guard !values.isEmpty else { return rank == root ? Array(repeating: [], count: size) : [] }
        var received = [T](repeating: 0, count: rank == root ? values.count * size : values.count)
        try values.withUnsafeBufferPointer { send in
            try received.withUnsafeMutableBufferPointer { try backend.gather(send, into: $0, root: root) }
        }
        guard rank == root else { return [] }
        return (0..<size).map { Array(received[$0 * values.count ..< ($0 + 1) * values.count]) }
    }

    /// Waits until every rank has arrived. The corresponding C function is `MPI_Barrier`.
    public func barrier() throws {
        try backend.barrier()
    }

    /// Ends every rank of the job at once (the last resort when agreement is impossible),
    /// after printing `message` on this rank's stderr. The corresponding C function is `MPI_Abort`.
    public func abort(_ message: String, code: Int32 = 1) -> Never {
        FileHandle.standardError.write(Data("error: rank \(rank): \(message)\n".utf8))
        backend.abort(code: code)
    }

    /// Shuts MPI down (a no-op for the other transports). Call once, after the last collective.
    public func finalize() {
        backend.finalize()
    }

    private func checkRoot(_ root: Int) throws {
        guard (0..<size).contains(root) else {
            throw DistError.invalidArgument("root rank \(root) is outside 0..<\(size)")
        }
    }
}
