import Foundation
import HSAE
import Launcher
import XCTest

/// Argument validation through `HSAECommand.parse` in-process: what the parser and each command's
/// validate() refuse, with the message `hsae` prints (`HSAECommand.errorMessage`), without
/// starting a process. (That a refusal reaches stderr with exit status 1 is checked once per
/// path by the child-process tests in MultiRankTests.)
final class ParseTests: XCTestCase {
    /// Asserts that parsing `args` fails with a message containing `expected`.
    func assertRefused(_ args: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try HSAECommand.parse(args)
            XCTFail("\(args.joined(separator: " ")): accepted, expected \(expected)", file: file, line: line)
        } catch {
            let message = HSAECommand.errorMessage(for: error)
            XCTAssertTrue(message.contains(expected), "\(args.joined(separator: " ")): \(message)", file: file, line: line)
        }
    }

    /// Asserts that parsing `args` succeeds.
    func assertAccepted(_ args: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNoThrow(try HSAECommand.parse(args), args.joined(separator: " "), file: file, line: line)
    }


    func testSynthOptionsAreNamed() {
        let synth = ["synth", "--preset", "tiny", "--out", "/nonexistent/synth-bad"]
        let table: [([String], String)] = [
            (["--children", "0"], "error: --children: must be at least 1 (children per root), got 0"),
            (["--d", "0"], "error: --d: must be at least 1, got 0"),
            (["--noise", "-0.5"], "error: --noise: must be finite and at least 0, got -0.5"),
            (["--roots", "-2"], "error: --roots: must be at least 1, got -2"),
            (["--probability-min", "0.9"], "error: --probability-min: must be in (0, --probability-max = 0.4], got 0.9"),
            (["--geometry", "c"], "error: The value 'c' is invalid for '--geometry <geometry>'. Please provide one of 'A' and 'B'."),
            (["--preset", "huge"], "error: The value 'huge' is invalid for '--preset <preset>'"),
            (["--dtype", "f64"], "error: The value 'f64' is invalid for '--dtype <dtype>'. Please provide one of 'f32' and 'f16'."),
        ]
        for (extra, message) in table { assertRefused(synth + extra, message) }
        assertRefused(["synth", "--preset", "tiny"], "error: Missing expected argument '--out <out>'")
        assertAccepted(synth + ["--geometry", "b", "--d", "8"])
    }

    func testHarvestAndCorpusOptionsAreNamed() {
        let harvest = ["harvest", "--model", "/nonexistent/model", "--corpus", "/nonexistent/corpus", "--layer", "1", "--out", "/nonexistent/out"]
        let table: [([String], String)] = [
            (harvest + ["--max-tokens", "0"], "--max-tokens must be >= 1, got 0"),
            (harvest + ["--dtype", "f64"], "The value 'f64' is invalid for '--dtype <dtype>'. Please provide one of 'f32' and 'f16'."),
            (harvest + ["--batch-tokens", "0"], "--batch-tokens must be >= 1, got 0"),
            (harvest + ["--shard-rows=-5"], "--shard-rows must be >= 1, got -5"),
            (["corpus", "--out", "/nonexistent/x", "--fortunes", "nolang"], "--fortunes 'nolang' is not LANG=DIR"),
            (["corpus", "--out", "/nonexistent/x", "--max-docs-per-genre", "0"], "--max-docs-per-genre must be >= 1, got 0"),
        ]
        for (args, message) in table { assertRefused(args, message) }
        assertAccepted(harvest + ["--dtype", "f16"])
    }

    func testTrainNeedsDataAndOutOrResume() {
        assertRefused(["train", "--out", "/nonexistent/run"], "--data is required (or --resume RUN)")
        assertRefused(["train", "--data", "/nonexistent/data"], "--out is required (or --resume RUN)")
        assertRefused(["train", "--resume", "/nonexistent/a", "--out", "/nonexistent/b"], "--out and --resume name different runs")
        assertAccepted(["train", "--resume", "/nonexistent/a"])
        assertAccepted(["train", "--data", "/nonexistent/data", "--out", "/nonexistent/run", "--baseline", "matryoshka"])
        assertRefused(["train", "--data", "/nonexistent/data", "--out", "/nonexistent/run", "--activation", "gelu"],
                      "The value 'gelu' is invalid for '--activation <activation>'")
    }

    func testSweepSeedsAndVariants() {
        let sweep = ["sweep", "--data", "/nonexistent/data", "--out", "/nonexistent/sweep"]
        assertRefused(sweep + ["--seeds", "0,x"], "--seeds needs comma-separated non-negative integers, got '0,x'")
        assertRefused(sweep + ["--variants", "full,nope"], "--variants: unknown variant 'nope'")
        assertRefused(sweep + ["--variants", "baseline"], "--variants needs at least one HSAE variant")
        assertRefused(sweep + ["--probe-rows=-1"], "--probe-rows must be >= 0, got -1")
        assertAccepted(sweep + ["--seeds", "0,1", "--variants", "full,baseline"])
    }

    func testEvalAndFeaturesRanges() {
        let eval = ["eval", "--run", "/nonexistent/run", "--out", "/nonexistent/report"]
        assertRefused(eval + ["--splice-windows", "1"], "--splice-windows must be >= 2, got 1")
        assertRefused(eval + ["--probe-iterations", "0"], "--probe-iterations must be > 0, got 0")
        assertRefused(eval + ["--eval-batch", "0"], "--eval-batch must be > 0, got 0")
        assertAccepted(eval + ["--probe-rows", "0"])
        assertRefused(["features", "--run", "/nonexistent/run", "--out", "/nonexistent/site", "--examples", "0"], "--examples must be >= 1")
    }

    /// eval's defaults are the library's (written once, in EvalDriver.Options / SpliceOptions),
    /// and --help prints them.
    func testEvalHelpPrintsTheLibraryDefaults() {
        // One entry per option: its lines (help wraps long ones) joined, white space collapsed.
        var entries: [String] = []
        for line in (HSAECommand.helpText(for: "eval") ?? "").split(separator: "\n") {
            let text = line.split(separator: " ").joined(separator: " ")
            if line.hasPrefix("  -") { entries.append(text) } else if !entries.isEmpty, line.hasPrefix("   ") { entries[entries.count - 1] += " " + text }
        }
        let defaults = EvalDriver.Options()
        for (option, value) in [("--probe-rows", defaults.probes.rows), ("--probe-iterations", defaults.probes.maxIterations),
                                ("--eval-batch", defaults.batchRows), ("--splice-windows", SpliceOptions.defaultMaxWindows)] {
            let entry = entries.first { $0.hasPrefix(option + " <") } ?? "(no entry for \(option))"
            XCTAssertTrue(entry.hasSuffix("(default: \(value))"), entry)
        }
    }
}
