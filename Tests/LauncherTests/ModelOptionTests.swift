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
        XCTAssertTrue(refusal(["--model", "nope"]).contains("--model must be one of flat, matryoshka, design-v1, forest, got 'nope'"))
        XCTAssertTrue(refusal(["--baseline", "--model", "design-v1"]).contains("--baseline trains a single-layer model, not --model design-v1"))
        XCTAssertTrue(refusal(["--model", "flat", "--matryoshka-groups", "8,8"]).contains("--matryoshka-groups needs --baseline matryoshka"))
    }

    func testHelpListsTheModels() {
        let help = (HSAECommand.helpText(for: "train") ?? "").split(separator: " ").joined(separator: " ")
        XCTAssertTrue(help.contains("--model <name>"), help)
        for name in ModelRegistry.names { XCTAssertTrue(help.contains(name), name) }
    }

    /// The HSAE's option groups (Launcher/Models/HSAEOptions.swift) set the model's and the loss
    /// terms' fields as the flat group did, and keep its refusals.
    func testTheHSAEGroupsSetTheirFields() throws {
        let c = try resolved(["--activation", "relu", "--top-activation", "batchtopk", "--top-l0", "3", "--gate", "fixed",
                              "--signed-top-decoder", "--top-input", "pre", "--top-decode-k", "2", "--lambda1", "0.25",
                              "--lambda2", "0.5", "--beta-orth", "0.2", "--beta-top-only", "0.3", "--orth-sample", "4", "--auxk-weight", "0"])
        XCTAssertEqual(c.model.bottomActivation, .relu)
        XCTAssertEqual(c.model.topActivation, .batchtopk)
        XCTAssertEqual(c.model.topTarget, .l0(3))
        XCTAssertEqual(c.model.gate, .fixed)
        XCTAssertFalse(c.model.topDecoderNonNegative)
        XCTAssertEqual(c.model.topInput, .pre)
        XCTAssertEqual(c.model.topDecodeK, 2)
        XCTAssertEqual(c.weights[.l1Bottom], 0.25)
        XCTAssertEqual(c.weights[.l1Top], 0.5)
        XCTAssertEqual(c.weights[.orthogonality], 0.2)
        XCTAssertEqual(c.weights[.topOnly], 0.3)
        XCTAssertEqual(c.weights[.auxK], 0)
        XCTAssertEqual(c.weights.orthSample, 4)
        XCTAssertEqual(try resolved(["--activation", "relu"]).model.topActivation, .relu)
        XCTAssertNil(try resolved(["--top-decode-k", "0"]).model.topDecodeK)
        XCTAssertTrue(refusal(["--top-sparsity", "0.5", "--top-l0", "2"]).contains("give --top-sparsity or --top-l0, not both"))
        XCTAssertTrue(refusal(["--bottom-sparsity", "0.5", "--bottom-l0", "2", "--top-sparsity", "0.5", "--top-l0", "2"])
            .contains("give --bottom-sparsity or --bottom-l0, not both"), "the bottom layer's refusal comes first, as before")
        XCTAssertTrue(refusal(["--top-decode-k=-1"]).contains("--top-decode-k must be >= 0"))
    }

    /// The sweep's comparator is the variant whose model type is flat; the others train the HSAE.
    func testTheSweepsComparatorIsTheFlatVariant() {
        XCTAssertEqual(TrainingVariant.sweep.filter(\.isComparator).map(\.name), ["baseline"])
        XCTAssertEqual(TrainingVariant.baseline.model, FlatArchitecture.name)
        XCTAssertEqual(TrainingVariant.baseline.config(from: TrainConfig()).architecture.name, FlatArchitecture.name)
        for v in TrainingVariant.sweep where !v.isComparator {
            XCTAssertEqual(v.model, HierarchicalArchitecture.name, v.name)
            XCTAssertEqual(v.config(from: TrainConfig()).architecture.name, HierarchicalArchitecture.name, v.name)
        }
    }
}
