import ArgumentParser
import Dist
import HSAE

struct SelfTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Run every collective across all ranks and the BLAS kernels against naive loops.",
        discussion: """
            Prints one line per check on rank 0 and `selftest passed`, or exits non-zero.

            Examples:
              hsae selftest
              scripts/mpirun -np 3 .build/release/hsae selftest
              scripts/mpirun -np 2 .build/release/hsae selftest --fail-rank 1
                  (must fail on every rank, naming rank 1)
            """)

    @Option(help: "Make this rank fail on purpose, to exercise error agreement (all ranks must stop, non-zero).")
    var failRank: Int?

    func validate() throws {
        if let failRank, failRank < 0 {
            throw ValidationError("--fail-rank must be a rank number >= 0, got \(failRank)")
        }
    }

    func run() throws {
        Session.run { comm, log in
            if let failRank, failRank >= comm.size {
                throw ValidationError("--fail-rank \(failRank) is not a rank of this job (ranks 0..<\(comm.size))")
            }
            let threads = BLASRuntime.configure(ranksOnNode: BLASRuntime.ranksOnNode(), exact: false)
            let mode = comm.transport == .single
                ? "single-rank mode (no mpirun; MPI not initialised)"
                : "\(comm.transport.rawValue), \(comm.size) ranks"
            log.info("selftest: \(mode), OpenBLAS \(threads) thread(s) per rank")
            var failed = 0
            let report: (SelfTest.Check) -> Void = { check in
                if !check.passed { failed += 1 }
                log.info("  \(check.passed ? "ok  " : "FAIL") \(check.name)")
            }
            _ = try SelfTest(comm: comm, failRank: failRank).run(report: report)
            for check in try KernelSelfTest.run(comm: comm) { report(check) }
            if failed > 0 { throw SelfTestFailure(failed: failed) }
            log.info("selftest passed")
        }
    }
}

struct SelfTestFailure: Error, CustomStringConvertible {
    let failed: Int
    var description: String { "selftest failed: \(failed) check(s) did not pass" }
}
