import HSAE
@testable import Launcher
import XCTest

/// `hsae train --model NAME` (docs/MODEL-PROTOCOL.md §1.10): its values are the registry's, and
/// `--baseline` / `--baseline KIND` are spellings of it that resolve to the same configuration.
final class ModelOptionTests: XCTestCase {
    func resolved(_ extra: [String], file: StaticString = #filePath, line: UInt = #line) throws -> TrainConfig {
        let command = try HSAECommand.parse(["train", "--data", "/nonexistent/data", "--out", "/nonexistent/run"] + extra)
        let train = try XCTUnwrap(command as? TrainCommand, file: file, line: line)
        return try train.resolvedConfig()
    }

    func refusal(_ extra: [String]) -> String {
        do {
            _ = try resolved(extra)
            return "accepted"
        } catch {
            return HSAECommand.errorMessage(for: error)
        }
    }

    func testTheSpellingsResolveAlike() throws {
        XCTAssertEqual(try resolved(["--model", "flat"]), try resolved(["--baseline"]))
        XCTAssertEqual(try resolved(["--model", "flat"]), try resolved(["--baseline", "flat"]))
        XCTAssertEqual(try resolved(["--model", "matryoshka"]), try resolved(["--baseline", "matryoshka"]))
        XCTAssertEqual(try resolved(["--model", "matryoshka"]), try resolved(["--baseline=matryoshka"]))
        XCTAssertEqual(try resolved(["--model", "design-v1"]), try resolved([]))
        XCTAssertEqual(try resolved(["--model", "flat"]).architecture.name, "flat")
        XCTAssertEqual(try resolved(["--model", "matryoshka"]).architecture.name, "matryoshka")
        XCTAssertEqual(try resolved(["--model", "matryoshka", "--matryoshka-groups", "8,8"]).matryoshkaGroups, [8, 8])
        XCTAssertEqual(try resolved([]).architecture.name, "design-v1")
    }

    func testUnknownAndContradictoryModelsAreRefused() {
        XCTAssertTrue(refusal(["--model", "forest"]).contains("--model must be one of flat, matryoshka, design-v1, got 'forest'"))
        XCTAssertTrue(refusal(["--baseline", "--model", "design-v1"]).contains("--baseline trains a single-layer model, not --model design-v1"))
        XCTAssertTrue(refusal(["--model", "flat", "--matryoshka-groups", "8,8"]).contains("--matryoshka-groups needs --baseline matryoshka"))
    }

    func testHelpListsTheModels() {
        let help = (HSAECommand.helpText(for: "train") ?? "").split(separator: " ").joined(separator: " ")
        XCTAssertTrue(help.contains("--model <name>"), help)
        for name in ModelRegistry.names { XCTAssertTrue(help.contains(name), name) }
    }
}
