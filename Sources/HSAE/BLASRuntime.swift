import COpenBLAS
import Foundation

/// Process-wide OpenBLAS settings.
public enum BLASRuntime {
    /// Sets OpenBLAS's thread count explicitly so that ranks × threads ≤ cores on a node.
    ///
    /// `exact` forces one thread: OpenBLAS may split sums differently with other thread
    /// counts, and exact mode promises bit-identical results. Returns the count it set.
    @discardableResult
    public static func configure(ranksOnNode: Int, exact: Bool,
                                 cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        let threads = exact ? 1 : max(1, cores / max(1, ranksOnNode))
        openblas_set_num_threads(Int32(threads))
        return threads
    }

    /// Ranks sharing this node, from the launcher's environment (1 without one).
    public static func ranksOnNode(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        for key in ["OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE", "MPI_LOCALNRANKS"] {
            if let v = environment[key].flatMap(Int.init), v > 0 { return v }
        }
        return 1
    }

    public static var threads: Int { Int(openblas_get_num_threads()) }
}
