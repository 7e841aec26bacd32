import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// Collectives over `MPI_COMM_WORLD`. Created once per process by `Communicator.world()`.
final class MPIBackend: CollectiveBackend {
    let rank: Int
    let size: Int
    let comm: MPI_Comm
    private var finalized = false
    /// POSIX shared-memory objects this rank has created (NodeShared.swift names them by it).
    var sharedObjects = 0

    init() throws {
        var provided: Int32 = 0
        // FUNNELED: only the main thread calls MPI; the watchdog never does.
        try mpiCheck(MPI_Init_thread(nil, nil, cmpi_thread_funneled(), &provided), "MPI_Init_thread")
        comm = cmpi_comm_world()
        try mpiCheck(MPI_Comm_set_errhandler(comm, cmpi_errors_return()), "MPI_Comm_set_errhandler")
        var r: Int32 = 0, s: Int32 = 0
        try mpiCheck(MPI_Comm_rank(comm, &r), "MPI_Comm_rank")
        try mpiCheck(MPI_Comm_size(comm, &s), "MPI_Comm_size")
        rank = Int(r)
        size = Int(s)
    }

    func allreduce<T: CollectiveScalar>(_ buffer: UnsafeMutableBufferPointer<T>, op: ReductionOp) throws {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let count = try Int32.mpiCount(buffer.count, "MPI_Allreduce")
        try mpiCheck(MPI_Allreduce(cmpi_in_place(), base, count, T.scalarKind.mpiType, op.mpiOp, comm),
                     "MPI_Allreduce")
    }

    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let count = try Int32.mpiCount(buffer.count, "MPI_Bcast")
        try mpiCheck(MPI_Bcast(base, count, cmpi_uint8(), Int32(root), comm), "MPI_Bcast")
    }

    func gather<T: CollectiveScalar>(_ send: UnsafeBufferPointer<T>, into receive: UnsafeMutableBufferPointer<T>, root: Int) throws {
        let count = try Int32.mpiCount(send.count, "MPI_Gather")
        try mpiCheck(MPI_Gather(send.baseAddress, count, T.scalarKind.mpiType,
                                receive.baseAddress, count, T.scalarKind.mpiType, Int32(root), comm),
                     "MPI_Gather")
    }

    func barrier() throws {
        try mpiCheck(MPI_Barrier(comm), "MPI_Barrier")
    }

    func abort(code: Int32) -> Never {
        MPI_Abort(comm, code)
        exit(code)  // MPI_Abort does not return; this satisfies the type checker.
    }

    func finalize() {
        guard !finalized else { return }
        finalized = true
        MPI_Finalize()
    }
}

/// Turns an MPI return code into a typed error. Every MPI call in `Dist` goes through here.
func mpiCheck(_ code: Int32, _ function: String) throws {
    guard code != cmpi_success() else { return }
    var text = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
    var length: Int32 = 0
    MPI_Error_string(code, &text, &length)
    throw DistError.mpi(function: function, code: code, message: String(cString: text))
}

extension ScalarKind {
    var mpiType: MPI_Datatype {
        switch self {
        case .float32: return cmpi_float()
        case .float64: return cmpi_double()
        case .int32: return cmpi_int32()
        case .int64: return cmpi_int64()
        case .uint8: return cmpi_uint8()
        }
    }
}

extension ReductionOp {
    var mpiOp: MPI_Op {
        switch self {
        case .sum: return cmpi_op_sum()
        case .max: return cmpi_op_max()
        case .min: return cmpi_op_min()
        }
    }
}
