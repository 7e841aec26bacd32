import Foundation
import XCTest

/// The Python venv of the tests that run SAELens and transformers (scripts/python-env; built once
/// per machine under ~/.cache/hsae, a few minutes the first time). CI runs these tests: a venv
/// that cannot be built fails them with pip's reason. HSAE_SKIP_PYTHON_TESTS=1 skips them instead
/// (for offline development only; scripts/test says so when it is set).
enum PythonEnv {
    static let requirements = ["sae-lens==6.54.12"]
    private static var cached: Result<String, Error>?

    struct Unavailable: Error, CustomStringConvertible { let description: String }

    static func python() throws -> String {
        if ProcessInfo.processInfo.environment["HSAE_SKIP_PYTHON_TESTS"] == "1" {
            throw XCTSkip("HSAE_SKIP_PYTHON_TESTS=1: the SAELens / transformers checks did not run")
        }
        if let cached { return try cached.get() }
        let result: Result<String, Error>
        do {
            let out = try Harness.run(Harness.root.path + "/scripts/python-env", requirements, timeout: 3600)
            let path = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            if out.status == 0, FileManager.default.isExecutableFile(atPath: path) {
                result = .success(path)
            } else {
                result = .failure(Unavailable(description: "cannot build the Python venv with \(requirements.joined(separator: " ")) "
                    + "(scripts/python-env exit \(out.status)): \(out.stderr.trimmingCharacters(in: .whitespacesAndNewlines)). "
                    + "Offline? HSAE_SKIP_PYTHON_TESTS=1 skips these tests."))
            }
        } catch {
            result = .failure(error)
        }
        cached = result
        return try result.get()
    }

    /// `python script args...` from the package root; fails the test with its stderr on a non-zero exit.
    static func run(_ script: String, _ args: [String], timeout: TimeInterval = 600,
                    file: StaticString = #filePath, line: UInt = #line) throws -> Harness.Outcome {
        let out = try Harness.run(try python(), [Harness.root.path + "/" + script] + args, timeout: timeout)
        XCTAssertEqual(out.status, 0, "\(script) \(args.joined(separator: " ")):\n\(out.stderr)\n\(out.stdout)", file: file, line: line)
        return out
    }
}
