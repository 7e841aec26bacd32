import Foundation

/// An in-process group of `size` ranks, one thread each, for fast unit tests of collective
/// logic without MPI. Reductions combine contributions in rank order, so results are
/// deterministic and equal MPI's up to its (unspecified) summation order.
final class LocalGroup {
    let size: Int
    private let condition = NSCondition()
    private var arrived = 0
    private var generation = 0
    /// Per-rank published buffers for the collective in flight.
    var slots: [UnsafeMutableRawPointer?]
    var scratch: [UInt8] = []

    init(size: Int) {
        self.size = size
        slots = Array(repeating: nil, count: size)
    }

    func barrier() {
        condition.lock()
        defer { condition.unlock() }
        let myGeneration = generation
        arrived += 1
        if arrived == size {
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while myGeneration == generation { condition.wait() }
        }
    }
}

final class LocalBackend: CollectiveBackend {
    let rank: Int
    let group: LocalGroup
    var size: Int { group.size }

    init(rank: Int, group: LocalGroup) {
        self.rank = rank
        self.group = group
    }

    func allreduce<T: CollectiveScalar>(_ buffer: UnsafeMutableBufferPointer<T>, op: ReductionOp) throws {
        group.slots[rank] = UnsafeMutableRawPointer(buffer.baseAddress)
        group.barrier()
        if rank == 0 {
            var result = Array(buffer)
            for other in 1..<size {
                let theirs = group.slots[other]!.assumingMemoryBound(to: T.self)
                for i in result.indices { result[i] = T.reduce(result[i], theirs[i], op) }
            }
            group.scratch = result.withUnsafeBytes { Array($0) }
        }
        group.barrier()
        group.scratch.withUnsafeBytes { raw in
            for i in 0..<buffer.count { buffer[i] = raw.load(fromByteOffset: i * MemoryLayout<T>.stride, as: T.self) }
        }
        group.barrier()
    }

    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        if rank == root { group.scratch = Array(buffer) }
        group.barrier()
        if rank != root { buffer.copyBytes(from: group.scratch) }
        group.barrier()
    }

    func gather<T: CollectiveScalar>(_ send: UnsafeBufferPointer<T>, into receive: UnsafeMutableBufferPointer<T>, root: Int) throws {
        group.slots[rank] = UnsafeMutableRawPointer(mutating: send.baseAddress)
        group.barrier()
        if rank == root {
            for other in 0..<size where send.count > 0 {
                let theirs = group.slots[other]!.assumingMemoryBound(to: T.self)
                for i in 0..<send.count { receive[other * send.count + i] = theirs[i] }
            }
        }
        group.barrier()
    }

    func barrier() throws { group.barrier() }

    func abort(code: Int32) -> Never { exit(code) }

    func finalize() {}
}

/// The communicator of a process started without `mpirun`: size 1, never calls MPI_Init.
final class SingleBackend: CollectiveBackend {
    let rank = 0
    let size = 1
    func allreduce<T: CollectiveScalar>(_ buffer: UnsafeMutableBufferPointer<T>, op: ReductionOp) throws {}
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {}
    func gather<T: CollectiveScalar>(_ send: UnsafeBufferPointer<T>, into receive: UnsafeMutableBufferPointer<T>, root: Int) throws {
        for i in 0..<send.count { receive[i] = send[i] }
    }
    func barrier() throws {}
    func abort(code: Int32) -> Never { exit(code) }
    func finalize() {}
}
