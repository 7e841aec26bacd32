import Foundation

/// Splits loop work over this rank's cores for the parts of a forward pass that BLAS does not
/// thread well: many small attention GEMMs, softmax, GELU and LayerNorm. With one thread per rank
/// (mpirun filling the cores) it is a plain loop.
enum WorkSplit {
    /// Runs `body` on `threads` contiguous parts of 0..<count, concurrently when threads > 1.
    /// OpenBLAS is single-threaded meanwhile (the parts are the parallelism) and restored after.
    static func run(_ count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        let parts = min(threads, count)
        guard parts > 1 else { body(0..<count); return }
        BLASRuntime.configure(ranksOnNode: 1, exact: true)
        defer { BLASRuntime.configure(ranksOnNode: 1, exact: false, cores: threads) }
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            body(count * p / parts ..< count * (p + 1) / parts)
        }
    }
}
