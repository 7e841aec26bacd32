import COpenBLAS
import Foundation

/// Which OpenBLAS kernel family runs, and choosing the best one for this CPU.
///
/// OpenBLAS (DYNAMIC_ARCH builds, as Debian's) picks its kernels once, when the library is
/// loaded, from the CPU model it knows. A CPU newer than the library (Debian 12's 0.3.21 on
/// Sapphire/Emerald Rapids, upstream OpenBLAS #4267) falls back to the generic Prescott (SSE3)
/// kernels, ~4× slower at sgemm. The choice can only be changed through `OPENBLAS_CORETYPE`
/// before the library loads, so `ensureBest` re-executes the program once with it set, chosen
/// from the CPU's own feature flags. A user's explicit `OPENBLAS_CORETYPE` always wins.
public enum BLASKernel {
    /// The widest vector ISA a kernel family (or a CPU) uses, in increasing order.
    public enum Tier: Int, Comparable, Sendable, CustomStringConvertible {
        case generic, avx, avx2, avx512
        public static func < (a: Tier, b: Tier) -> Bool { a.rawValue < b.rawValue }
        public var description: String { ["generic (SSE)", "AVX", "AVX2+FMA", "AVX-512"][rawValue] }
    }

    /// Set in the environment of the re-executed process, so that it never loops.
    static let reexecMarker = "HSAE_BLAS_REEXEC"

    /// The kernel family OpenBLAS chose in this process, e.g. "SkylakeX", "Haswell", "Prescott".
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// The ISA tier of an OpenBLAS core name (x86-64 names of OpenBLAS 0.3.x's dynamic.c).
    public static func tier(ofCore name: String) -> Tier {
        switch name.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": return .avx512
        case "haswell", "zen", "excavator": return .avx2
        case "sandybridge", "bulldozer", "piledriver", "steamroller": return .avx
        default: return .generic
        }
    }

    /// The ISA tier a CPU supports, from its feature flags (/proc/cpuinfo names).
    public static func tier(ofCPUFlags flags: Set<String>) -> Tier {
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains) { return .avx512 }
        if flags.contains("avx2"), flags.contains("fma") { return .avx2 }
        if flags.contains("avx") { return .avx }
        return .generic
    }

    /// The OpenBLAS core type to request for a tier (nil: nothing better than generic).
    public static func coreType(for tier: Tier, vendor: String) -> String? {
        switch tier {
        case .avx512: return "SkylakeX"
        case .avx2: return vendor.contains("AMD") ? "Zen" : "Haswell"
        case .avx: return "Sandybridge"
        case .generic: return nil
        }
    }

    /// The core type to re-execute with, or nil to keep the current kernels: nil when the user
    /// set `OPENBLAS_CORETYPE`, when this process is already the re-executed one, or when the
    /// current kernels already use everything the CPU has.
    public static func override(currentCore: String, cpuFlags: Set<String>, vendor: String,
                                environment: [String: String]) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil, environment[reexecMarker] == nil else { return nil }
        let cpu = tier(ofCPUFlags: cpuFlags)
        guard tier(ofCore: currentCore) < cpu else { return nil }
        return coreType(for: cpu, vendor: vendor)
    }

    /// This CPU's feature flags and vendor (Linux /proc/cpuinfo; empty elsewhere).
    public static func cpuInfo(path: String = "/proc/cpuinfo") -> (flags: Set<String>, vendor: String) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return ([], "") }
        var flags: Set<String> = [], vendor = ""
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0] == "flags", flags.isEmpty { flags = Set(parts[1].split(separator: " ").map(String.init)) }
            if parts[0] == "vendor_id", vendor.isEmpty { vendor = parts[1] }
            if !flags.isEmpty, !vendor.isEmpty { break }
        }
        return (flags, vendor)
    }

    /// Call first thing in `main`, before any thread or MPI exists: when OpenBLAS runs kernels
    /// below what the CPU supports, re-executes this program with `OPENBLAS_CORETYPE` set (same
    /// arguments, same environment otherwise, same process id, so mpirun/srun see nothing).
    /// In the re-executed process, checks the chosen kernels against a naive loop and, should
    /// they compute wrong results (old OpenBLAS on a new CPU), goes back to the library's choice.
    public static func ensureBest() {
        let env = ProcessInfo.processInfo.environment
        if env[reexecMarker] == "chosen", !gemmAgreesWithNaiveLoop() {
            reexec(setting: ["OPENBLAS_CORETYPE": nil, reexecMarker: "rejected"])
        }
        let cpu = cpuInfo()
        // HSAE_BLAS_FAKE_CORE (tests only) pretends OpenBLAS chose that core, so that the
        // re-execution path can be exercised on a CPU the library knows.
        let current = env["HSAE_BLAS_FAKE_CORE"] ?? coreName
        guard let core = override(currentCore: current, cpuFlags: cpu.flags, vendor: cpu.vendor, environment: env) else { return }
        reexec(setting: ["OPENBLAS_CORETYPE": core, reexecMarker: "chosen"])
    }

    /// Replaces this process by itself with the environment changed; returns only if exec failed.
    private static func reexec(setting changes: [String: String?]) {
        for (key, value) in changes {
            if let value { setenv(key, value, 1) } else { unsetenv(key) }
        }
        let args = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        // exec failed (no /proc): carry on with the kernels we have; `hsae version` warns.
        for p in argv { free(p) }
        setenv(reexecMarker, "failed", 1)
    }

    /// A 61×47×53 sgemm against a loop in Double: catches kernels that compute garbage.
    public static func gemmAgreesWithNaiveLoop() -> Bool {
        let (m, n, k) = (61, 47, 53)
        var rng = SplitMix64(seed: 11)
        let a = (0..<(m * k)).map { _ in Float(rng.nextSigned()) }
        let b = (0..<(k * n)).map { _ in Float(rng.nextSigned()) }
        var c = [Float](repeating: 0, count: m * n)
        Float.gemm(.none, .none, m, n, k, 1, a, k, b, n, 0, &c, n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for l in 0..<k { s += Double(a[i * k + l]) * Double(b[l * n + j]) }
                if abs(Double(c[i * n + j]) - s) > 1e-4 * (1 + abs(s)) { return false }
            }
        }
        return true
    }

    /// Measured single-thread sgemm speed (GFLOP/s) on n×n×n, the best of `repeats`.
    public static func measureSGEMM(n: Int = 1024, repeats: Int = 3) -> Double {
        let saved = BLASRuntime.threads
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(saved)) }
        var rng = SplitMix64(seed: 3)
        let a = (0..<(n * n)).map { _ in Float(rng.nextSigned()) }
        let b = (0..<(n * n)).map { _ in Float(rng.nextSigned()) }
        var c = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        for _ in 0...repeats {  // the first call warms caches and page-faults c
            let start = DispatchTime.now().uptimeNanoseconds
            Float.gemm(.none, .none, n, n, n, 1, a, n, b, n, 0, &c, n)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        return 2 * Double(n * n * n) / best / 1e9
    }

    /// A line for `hsae version` / logs, and a warning when generic kernels run on a capable CPU.
    public static func describe() -> (line: String, warning: String?) {
        let core = coreName
        let cpu = cpuInfo()
        let cpuTier = tier(ofCPUFlags: cpu.flags), coreTier = tier(ofCore: core)
        let env = ProcessInfo.processInfo.environment
        let how: String
        switch env[reexecMarker] {
        case "chosen": how = "chosen by hsae from the CPU flags (OpenBLAS fell back to a generic kernel)"
        case "rejected": how = "OpenBLAS's own choice (hsae's choice failed its correctness check)"
        default: how = env["OPENBLAS_CORETYPE"] != nil ? "set by OPENBLAS_CORETYPE" : "OpenBLAS's own choice"
        }
        let line = "BLAS kernel: \(core) (\(coreTier), \(how)); CPU supports \(cpuTier); vector kernels: \(VectorKernels.active)"
            + (VectorKernels.initial != VectorKernels.best ? " (set by HSAE_VECTOR_KERNELS)" : "")
        let warning = coreTier < cpuTier
            ? "OpenBLAS runs \(core) kernels (\(coreTier)) on a CPU with \(cpuTier): training will be several times slower. "
                + "Unset OPENBLAS_CORETYPE, or set it to \(coreType(for: cpuTier, vendor: cpu.vendor) ?? "a better core")."
            : nil
        return (line, warning)
    }
}
