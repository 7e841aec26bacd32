import Foundation
import XCTest

/// Runs the built `hsae` executable, alone or under `scripts/mpirun`, from tests.
/// `swift test` never calls MPI_Init itself: multi-rank behaviour is always a child process.
enum Harness {
    /// The package root, found from this file's location.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The `hsae` built alongside this test bundle (or $HSAE_BIN).
    static var hsae: String {
        if let override = ProcessInfo.processInfo.environment["HSAE_BIN"] { return override }
        let bundleDir = Bundle.main.bundleURL.deletingLastPathComponent()
        let candidates = [Bundle.main.bundleURL.appendingPathComponent("hsae"),
                          bundleDir.appendingPathComponent("hsae"),
                          URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hsae")]
        for c in candidates where FileManager.default.isExecutableFile(atPath: c.path) { return c.path }
        return root.appendingPathComponent(".build/debug/hsae").path
    }

    static var mpirun: String { root.appendingPathComponent("scripts/mpirun").path }

    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
        let seconds: Double
        let timedOut: Bool
    }

    /// Runs `executable args`; a run longer than `timeout` is killed (a hang) and reported as such.
    static func run(_ executable: String, _ args: [String], environment: [String: String] = [:], unsetting: [String] = [],
                    timeout: TimeInterval = 120, currentDirectory: URL? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        for k in unsetting { env[k] = nil }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-test-\(UUID()).out")
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-test-\(UUID()).err")
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outFile); try? FileManager.default.removeItem(at: errFile) }
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        let start = Date()
        try process.run()
        var timedOut = false
        if done.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            process.terminate()
            kill(-process.processIdentifier, SIGKILL)
            done.wait()
        }
        return Outcome(status: process.terminationStatus,
                       stdout: (try? String(contentsOf: outFile, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "",
                       seconds: Date().timeIntervalSince(start), timedOut: timedOut)
    }

    /// `scripts/mpirun -np ranks hsae args...`
    static func mpi(_ ranks: Int, _ args: [String], timeout: TimeInterval = 300,
                    environment: [String: String] = [:]) throws -> Outcome {
        try run(mpirun, ["-np", String(ranks), hsae] + args, environment: environment, timeout: timeout)
    }

    /// `hsae args...` without mpirun (single-rank mode).
    static func single(_ args: [String], timeout: TimeInterval = 300) throws -> Outcome {
        try run(hsae, args, timeout: timeout)
    }
}
