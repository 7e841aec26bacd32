import XCTest
import HSAE

/// `hsae version` names the BLAS kernel in use; hsae picks a non-generic one on a capable CPU,
/// run plainly and under mpirun, and warns when the user forces a generic one.
final class VersionCommandTests: XCTestCase {
    private var cpuTier: BLASKernel.Tier { BLASKernel.tier(ofCPUFlags: BLASKernel.cpuInfo().flags) }

    private func kernel(in output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix("BLAS kernel: ") }
            .map { String($0.dropFirst("BLAS kernel: ".count).prefix { $0 != " " }) }
    }

    func testKernelIsNotGenericOnAnAVX2CPU() throws {
        try XCTSkipIf(cpuTier < .avx2, "this CPU has no AVX2: generic kernels are all there is")
        let out = try Harness.run(Harness.hsae, ["version"], unsetting: ["OPENBLAS_CORETYPE"])
        XCTAssertEqual(out.status, 0, out.stderr)
        let core = try XCTUnwrap(kernel(in: out.stdout), out.stdout)
        XCTAssertGreaterThanOrEqual(BLASKernel.tier(ofCore: core), .avx2, out.stdout)
        XCTAssertFalse(out.stdout.contains("warning:"), out.stdout)
        XCTAssertTrue(out.stdout.contains("GFLOP/s"), out.stdout)
    }

    /// A library that fell back to Prescott (simulated) is overridden by re-executing with
    /// OPENBLAS_CORETYPE set, also on every rank under mpirun.
    func testGenericFallbackIsReplacedByReexecution() throws {
        try XCTSkipIf(cpuTier < .avx2, "this CPU has no AVX2")
        for ranks in [1, 2] {
            let env = ["HSAE_BLAS_FAKE_CORE": "Prescott"]
            let out = ranks == 1
                ? try Harness.run(Harness.hsae, ["version"], environment: env, unsetting: ["OPENBLAS_CORETYPE"])
                : try Harness.run(Harness.mpirun, ["-np", "2", "-x", "HSAE_BLAS_FAKE_CORE", Harness.hsae, "version"],
                                  environment: env, unsetting: ["OPENBLAS_CORETYPE"])
            XCTAssertEqual(out.status, 0, out.stderr)
            XCTAssertTrue(out.stdout.contains("chosen by hsae"), out.stdout)
            let core = try XCTUnwrap(kernel(in: out.stdout), out.stdout)
            XCTAssertEqual(BLASKernel.tier(ofCore: core), cpuTier, out.stdout)
        }
    }

    func testUserChoiceWinsAndIsWarnedAbout() throws {
        try XCTSkipIf(cpuTier < .avx, "this CPU has nothing better than generic kernels")
        let out = try Harness.run(Harness.hsae, ["version"], environment: ["OPENBLAS_CORETYPE": "Prescott"])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(kernel(in: out.stdout), "Prescott", out.stdout)
        XCTAssertTrue(out.stdout.contains("set by OPENBLAS_CORETYPE"), out.stdout)
        XCTAssertTrue(out.stdout.contains("warning: OpenBLAS runs Prescott"), out.stdout)
    }
}
