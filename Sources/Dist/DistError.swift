/// Errors raised by the `Dist` layer.
public enum DistError: Error, CustomStringConvertible, Equatable {
    /// An MPI call returned a code other than `MPI_SUCCESS`.
    case mpi(function: String, code: Int32, message: String)
    /// A buffer is too large to be described by MPI's `int` counts.
    case countTooLarge(function: String, count: Int)
    /// Some rank failed; every rank learns the same rank and message (see `Communicator.agree`).
    case rankFailed(rank: Int, message: String)
    /// A collective's arguments disagree across ranks or are out of range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .mpi(function, code, message):
            return "\(function) failed with MPI error \(code): \(message). "
                + "Check that all ranks can reach each other (hostfile, firewall) and rerun."
        case let .countTooLarge(function, count):
            return "\(function): \(count) elements do not fit MPI's 32-bit count; split the buffer"
        case let .rankFailed(rank, message):
            return "rank \(rank): \(message)"
        case let .invalidArgument(message):
            return message
        }
    }
}

extension Int32 {
    /// Narrows a buffer length for an MPI count, naming the call when it does not fit.
    static func mpiCount(_ count: Int, _ function: String) throws -> Int32 {
        guard let narrowed = Int32(exactly: count) else {
            throw DistError.countTooLarge(function: function, count: count)
        }
        return narrowed
    }
}
