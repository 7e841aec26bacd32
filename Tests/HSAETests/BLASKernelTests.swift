import XCTest
import HSAE

/// The kernel choice as a pure function: OpenBLAS's core name, the CPU's flags, the environment.
final class BLASKernelTests: XCTestCase {
    // Flags of a Xeon family 6 model 207 (Emerald Rapids), abridged to what the choice reads.
    let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"]
    let avx2: Set<String> = ["sse3", "avx", "avx2", "fma"]

    func testGenericFallbackOnAVX512IsOverridden() {
        XCTAssertEqual(BLASKernel.override(currentCore: "Prescott", cpuFlags: avx512, vendor: "GenuineIntel", environment: [:]), "SkylakeX")
        XCTAssertEqual(BLASKernel.override(currentCore: "Haswell", cpuFlags: avx512, vendor: "GenuineIntel", environment: [:]), "SkylakeX")
        XCTAssertEqual(BLASKernel.override(currentCore: "Prescott", cpuFlags: avx2, vendor: "AuthenticAMD", environment: [:]), "Zen")
        XCTAssertEqual(BLASKernel.override(currentCore: "Core2", cpuFlags: avx2, vendor: "GenuineIntel", environment: [:]), "Haswell")
    }

    func testNothingToDoWhenKernelsMatchTheCPU() {
        XCTAssertNil(BLASKernel.override(currentCore: "Cooperlake", cpuFlags: avx512, vendor: "AuthenticAMD", environment: [:]))
        XCTAssertNil(BLASKernel.override(currentCore: "Haswell", cpuFlags: avx2, vendor: "GenuineIntel", environment: [:]))
        XCTAssertNil(BLASKernel.override(currentCore: "Prescott", cpuFlags: ["sse3"], vendor: "GenuineIntel", environment: [:]))
    }

    func testUserSettingAndReexecutedProcessWin() {
        XCTAssertNil(BLASKernel.override(currentCore: "Prescott", cpuFlags: avx512, vendor: "GenuineIntel",
                                         environment: ["OPENBLAS_CORETYPE": "Prescott"]))
        XCTAssertNil(BLASKernel.override(currentCore: "Prescott", cpuFlags: avx512, vendor: "GenuineIntel",
                                         environment: ["HSAE_BLAS_REEXEC": "chosen"]))
    }

    func testTiers() {
        XCTAssertEqual(BLASKernel.tier(ofCore: "SapphireRapids"), .avx512)
        XCTAssertEqual(BLASKernel.tier(ofCore: "Zen"), .avx2)
        XCTAssertEqual(BLASKernel.tier(ofCore: "Sandybridge"), .avx)
        XCTAssertEqual(BLASKernel.tier(ofCore: "Prescott"), .generic)
        XCTAssertEqual(BLASKernel.tier(ofCPUFlags: avx512.subtracting(["avx512bw"])), .avx2)
    }

    func testCPUInfoParsing() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cpuinfo-\(UUID())").path
        try "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse3 avx avx2 fma\n\nprocessor\t: 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let info = BLASKernel.cpuInfo(path: path)
        XCTAssertEqual(info.vendor, "GenuineIntel")
        XCTAssertEqual(info.flags, ["fpu", "sse3", "avx", "avx2", "fma"])
    }

    func testKernelsInThisProcessComputeCorrectly() {
        XCTAssertTrue(BLASKernel.gemmAgreesWithNaiveLoop())
    }
}
