import XCTest

/// `hsae selftest` as a user runs it: single-rank, and under mpirun with 2 and 3 ranks.
final class SelfTestRunTests: XCTestCase {
    func testSingleRankModeWithoutMpirun() throws {
        let out = try Harness.single(["selftest"])
        XCTAssertFalse(out.timedOut)
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertTrue(out.stdout.contains("single-rank mode"), out.stdout)
        XCTAssertTrue(out.stdout.hasSuffix("selftest passed\n"), out.stdout)
    }

    func testTwoAndThreeRanksUnderMpirun() throws {
        for ranks in [2, 3] {
            let out = try Harness.mpi(ranks, ["selftest"])
            XCTAssertFalse(out.timedOut, "-np \(ranks) hung")
            XCTAssertEqual(out.status, 0, "-np \(ranks): \(out.stderr)")
            XCTAssertTrue(out.stdout.contains("mpi, \(ranks) ranks"), out.stdout)
            XCTAssertTrue(out.stdout.contains("ok   size: allreduce(1, sum) == \(ranks)"), out.stdout)
            XCTAssertFalse(out.stdout.contains("FAIL"), out.stdout)
            // Only rank 0 prints: exactly one summary line.
            XCTAssertEqual(out.stdout.components(separatedBy: "selftest passed").count - 1, 1, out.stdout)
        }
    }

    func testFailingRankStopsEveryRankWithOneMessage() throws {
        let out = try Harness.mpi(2, ["selftest", "--fail-rank", "1"], timeout: 60)
        XCTAssertFalse(out.timedOut, "a rank hung after rank 1 failed")
        XCTAssertNotEqual(out.status, 0)
        let message = "error: rank 1: injected failure (--fail-rank 1)"
        XCTAssertEqual(out.stderr.components(separatedBy: message).count - 1, 1, out.stderr)
        XCTAssertFalse(out.stdout.contains("selftest passed"))
    }

    func testSingleRankInjectedFailure() throws {
        let out = try Harness.single(["selftest", "--fail-rank", "0"])
        XCTAssertEqual(out.status, 1)
        XCTAssertTrue(out.stderr.contains("error: rank 0: injected failure (--fail-rank 0)"), out.stderr)
    }

    func testFailRankOutsideTheJobIsRejected() throws {
        let out = try Harness.mpi(2, ["selftest", "--fail-rank", "5"], timeout: 60)
        XCTAssertFalse(out.timedOut)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("--fail-rank 5 is not a rank of this job (ranks 0..<2)"), out.stderr)
    }
}

/// The launcher script's own checks: one clear line instead of mpirun's page of text.
final class LauncherScriptTests: XCTestCase {
    func testMissingExecutable() throws {
        let out = try Harness.run(Harness.mpirun, ["-np", "2", "/nonexistent/hsae", "selftest"])
        XCTAssertEqual(out.status, 2)
        XCTAssertTrue(out.stderr.contains("executable '/nonexistent/hsae' not found"), out.stderr)
    }

    /// CMA on one node where nothing can refuse it (no seccomp filter, Yama absent or at scope 0),
    /// none with other hosts (a hostfile, --host, a batch allocation of several nodes) or where
    /// this process runs under a filter; the user's value wins.
    func testSingleCopyMechanism() throws {
        let variable = "OMPI_MCA_btl_vader_single_copy_mechanism"
        func chosen(_ args: [String], environment: [String: String] = [:]) throws -> String {
            let out = try Harness.run(Harness.mpirun, args + ["env"], environment: environment,
                                      unsetting: environment[variable] == nil ? [variable] : [], timeout: 60)
            XCTAssertEqual(out.status, 0, out.stderr)
            return out.stdout.split(separator: "\n").first { $0.hasPrefix(variable + "=") }.map { String($0.dropFirst(variable.count + 1)) } ?? "(unset)"
        }
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let unfiltered = status.split(separator: "\n").contains { $0.hasPrefix("Seccomp:") && $0.hasSuffix("\t0") }
        let yama = (try? String(contentsOfFile: "/proc/sys/kernel/yama/ptrace_scope", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let expected = unfiltered && (yama == nil || yama == "0") ? "cma" : "none"
        XCTAssertEqual(try chosen(["-np", "1"]), expected)
        XCTAssertEqual(try chosen(["--host", "localhost", "-np", "1"]), "none")
        XCTAssertEqual(try chosen(["-H", "localhost", "-np", "1"]), "none")
        let hostfile = FileManager.default.temporaryDirectory.appendingPathComponent("hostfile-\(UUID())")
        try "localhost slots=2\n".write(to: hostfile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: hostfile) }
        XCTAssertEqual(try chosen(["--hostfile", hostfile.path, "-np", "1"]), "none")
        XCTAssertEqual(try chosen(["-np", "1"], environment: ["SLURM_JOB_NUM_NODES": "2"]), "none")
        // The user's value wins, whichever the rule would pick.
        let other = expected == "cma" ? "none" : "cma"
        XCTAssertEqual(try chosen(["-np", "1"], environment: [variable: other]), other)
    }

    func testMissingHostfile() throws {
        let out = try Harness.run(Harness.mpirun, ["--hostfile", "/nonexistent/hosts", "-np", "2", Harness.hsae, "selftest"])
        XCTAssertEqual(out.status, 2)
        XCTAssertTrue(out.stderr.contains("hostfile '/nonexistent/hosts' does not exist"), out.stderr)
    }

    func testMalformedHostfile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-hostfile-\(UUID())")
        try "localhost slots=2\nnode1 slots two\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let out = try Harness.run(Harness.mpirun, ["--hostfile", file.path, "-np", "2", Harness.hsae, "selftest"])
        XCTAssertEqual(out.status, 2)
        XCTAssertTrue(out.stderr.contains("line 2: 'node1 slots two' is not 'HOST [slots=N] [max_slots=N]'"), out.stderr)
    }

    func testMoreRanksThanSlotsInStrictMode() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hostfile-\(UUID())")
        try "localhost slots=1\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let out = try Harness.run(Harness.mpirun, ["--hostfile", file.path, "-np", "3", Harness.hsae, "selftest"],
                                  environment: ["HSAE_MPI_STRICT": "1"], timeout: 60)
        XCTAssertFalse(out.timedOut)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("not enough slots"), out.stderr)
    }
}
