import Foundation

/// Splits a forward pass over this rank's cores by rows (and attention by sequence and head),
/// each part calling single-threaded OpenBLAS. Measured on 2 cores, this beats OpenBLAS's own
/// threads, whose idle workers spin between the many GEMMs of a layer and compete with the
/// element-wise loops. With one thread per rank (mpirun filling the cores) it is a plain loop.
enum WorkSplit {
    /// Runs `body` on `threads` contiguous parts of 0..<count, concurrently when threads > 1.
    /// The caller has made OpenBLAS single-threaded (`withSingleThreadedBLAS`).
    static func run(_ count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        let parts = min(threads, count)
        guard parts > 1 else { body(0..<count); return }
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            body(count * p / parts ..< count * (p + 1) / parts)
        }
    }

    /// Runs `body` with OpenBLAS on one thread, then restores its thread count.
    static func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
        let saved = BLASRuntime.threads
        guard saved > 1 else { return try body() }
        BLASRuntime.configure(ranksOnNode: 1, exact: true)
        defer { BLASRuntime.configure(ranksOnNode: 1, exact: false, cores: saved) }
        return try body()
    }
}
