import Foundation
import XCTest

/// The output-directory rule (OutputDirectory; docs/SECURITY.md, "Output directories") through
/// the real commands, single-rank on tiny data: every command × every state of its --out × with
/// and without --force. Each case gets its own directory holding copies of the command's inputs;
/// every file in it is recorded before the command runs, and afterwards every one of them outside
/// the entries the command's own marker lists must hold the same bytes (a refusal: every file).
///
/// harvest needs MiniLM (models/minilm-l6, scripts/get-model). Without it, a case the rule lets
/// through cannot run: the test then checks that the refusal is not the rule's (the rule runs
/// before the model is opened, so its refusals are checked for real) and that nothing was written.
final class OutputRuleMatrixTests: XCTestCase {
    enum Command: String, CaseIterable {
        case train, synth, harvest, corpus, export, features, eval, sweep
        var hasForce: Bool { self != .train && self != .sweep }
        /// The input --out is compared with (nil: synth has none).
        var input: String? {
            switch self {
            case .train, .sweep: "data"
            case .synth: nil
            case .harvest: "corpus"
            case .corpus: "fortunes"
            case .export, .features, .eval: "run"
            }
        }
    }

    enum State: String, CaseIterable {
        case new, empty, unrelated, other, own, ownExtra, linkEmpty, linkUnrelated, linkOther, linkOwn
        case parentLinkNew, parentLinkUnrelated, outIsInput, outIsParentOfInput, outInsideInput
        var usesInput: Bool { self == .outIsInput || self == .outIsParentOfInput || self == .outInsideInput }
    }

    static var root: String!
    static var hasModel = false
    static let tiny = ["--m1", "32", "--m2", "8", "--batch", "256", "--microbatch", "64", "--steps", "2,2,2",
                       "--bottom-l0", "4", "--top-l0", "2", "--lr", "3e-3", "--checkpoint-every", "6"]
    static let model = Harness.root.path + "/models/minilm-l6"

    override class func setUp() {
        super.setUp()
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-output-rule-\(UUID())").path
        hasModel = FileManager.default.fileExists(atPath: model + "/model.safetensors")
        let fm = FileManager.default
        try? fm.createDirectory(atPath: root + "/inputs/fortunes", withIntermediateDirectories: true)
        let jokes = (0..<12).map { "Fortune number \($0) says the hierarchy has \($0 + 2) levels." }.joined(separator: "\n%\n") + "\n"
        fm.createFile(atPath: root + "/inputs/fortunes/jokes", contents: Data(jokes.utf8))
        let inputs: String = root + "/inputs"
        let synth: [String] = ["synth", "--preset", "tiny", "--rows", "2000", "--out", inputs + "/data"]
        let train: [String] = ["train", "--data", inputs + "/data", "--out", inputs + "/run"] + tiny
        let corpus: [String] = ["corpus", "--out", inputs + "/corpus", "--fortunes", "en=" + inputs + "/fortunes"]
        for args in [synth, train, corpus] {
            let out = try? Harness.single(args)
            precondition(out?.status == 0, "setup failed: hsae \(args.joined(separator: " ")): \(out?.stderr ?? "")")
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
        super.tearDown()
    }

    /// The command's arguments, reading inputs from `inputs` and writing to `out`.
    func arguments(_ c: Command, inputs: String, out: String) -> [String] {
        switch c {
        case .train: ["train", "--data", inputs + "/data", "--out", out] + Self.tiny
        case .sweep: ["sweep", "--data", inputs + "/data", "--out", out, "--variants", "full", "--probe-rows", "0"] + Self.tiny
        case .synth: ["synth", "--preset", "tiny", "--rows", "300", "--out", out]
        case .corpus: ["corpus", "--out", out, "--fortunes", "en=" + inputs + "/fortunes"]
        case .harvest: ["harvest", "--model", Self.hasModel ? Self.model : inputs + "/no-model", "--corpus", inputs + "/corpus",
                        "--layer", "1", "--out", out, "--max-tokens", "200", "--window", "32"]
        case .export: ["export", "--run", inputs + "/run", "--out", out]
        case .features: ["features", "--run", inputs + "/run", "--out", out, "--examples", "2", "--samples", "2"]
        case .eval: ["eval", "--run", inputs + "/run", "--out", out, "--probe-rows", "0"]
        }
    }

    /// An earlier output of `c` (made once, copied into each case): the real command, or for
    /// harvest without MiniLM a directory with harvest's marker and the files it lists.
    static var own: [Command: String] = [:]
    func ownOutput(_ c: Command) throws -> String {
        if let path = Self.own[c] { return path }
        let path = Self.root + "/own/" + c.rawValue
        if c == .harvest && !Self.hasModel {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for name in ["dataset.json", "shard-00000.npy"] { FileManager.default.createFile(atPath: path + "/" + name, contents: Data(name.utf8)) }
            let marker = #"{"command":"harvest","files":["dataset.json","shard-00000.npy"],"format":"hsae-output","version":1}"#
            FileManager.default.createFile(atPath: path + "/.hsae-output.json", contents: Data(marker.utf8))
        } else {
            let out = try Harness.single(arguments(c, inputs: Self.root + "/inputs", out: path))
            XCTAssertEqual(out.status, 0, "making an own output of \(c): \(out.stderr)")
        }
        Self.own[c] = path
        return path
    }

    /// Whether the rule lets the case through.
    func allowed(_ c: Command, _ s: State, force: Bool) -> Bool {
        if force && !c.hasForce { return false }  // no such option
        switch s {
        case .new, .empty, .linkEmpty, .parentLinkNew: return true
        case .own, .linkOwn: return c == .sweep || force  // sweep continues its own; the others replace it with --force
        case .ownExtra: return c == .sweep  // --force never removes what the marker does not list
        case .outInsideInput: return c.input == "run"  // RUN/sub: the one exception (RUN/site, RUN/report)
        case .unrelated, .other, .linkUnrelated, .linkOther, .parentLinkUnrelated, .outIsInput, .outIsParentOfInput: return false
        }
    }

    /// What the refusal must say.
    func refusal(_ c: Command, _ s: State, force: Bool) -> String {
        if force && !c.hasForce { return "Unknown option '--force'" }
        switch s {
        case .unrelated, .linkUnrelated, .parentLinkUnrelated: return "holds no output of hsae \(c.rawValue)"
        case .other, .linkOther: return "holds the output of hsae"
        case .own, .linkOwn: return c == .train ? "already holds a run" : "holds an earlier output of hsae \(c.rawValue)"
        case .ownExtra where !force: return c == .train ? "already holds a run" : "holds an earlier output of hsae \(c.rawValue)"
        case .ownExtra: return "hsae \(c.rawValue) did not write (extra.txt)"
        case .outIsInput: return "writing there could replace the input"
        case .outIsParentOfInput: return "contains --"
        case .outInsideInput: return "is inside --"
        default: return "?"
        }
    }

    /// Makes the case's directory: its inputs, and --out in state `s`; returns (inputs, out, real out).
    func prepare(_ c: Command, _ s: State, dir: String) throws -> (inputs: String, out: String, real: String) {
        let fm = FileManager.default
        let inputs = dir + "/parent"
        try fm.createDirectory(atPath: inputs, withIntermediateDirectories: true)
        for name in ["data", "run", "corpus", "fortunes"] { try fm.copyItem(atPath: Self.root + "/inputs/" + name, toPath: inputs + "/" + name) }
        func fill(_ path: String, _ kind: State) throws {
            switch kind {
            case .empty: try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
            case .unrelated:
                try fm.createDirectory(atPath: path + "/sub", withIntermediateDirectories: true)
                fm.createFile(atPath: path + "/a.txt", contents: Data("mine".utf8))
                fm.createFile(atPath: path + "/sub/b.txt", contents: Data("also mine".utf8))
            case .other: try fm.copyItem(atPath: Self.root + (c == .corpus ? "/inputs/data" : "/inputs/corpus"), toPath: path)
            case .own, .ownExtra:
                try fm.copyItem(atPath: try ownOutput(c), toPath: path)
                if kind == .ownExtra { fm.createFile(atPath: path + "/extra.txt", contents: Data("not hsae's".utf8)) }
            default: break
            }
        }
        switch s {
        case .new: return (inputs, dir + "/out", dir + "/out")
        case .empty, .unrelated, .other, .own, .ownExtra:
            try fill(dir + "/out", s)
            return (inputs, dir + "/out", dir + "/out")
        case .linkEmpty, .linkUnrelated, .linkOther, .linkOwn:
            let target: State = [.linkEmpty: .empty, .linkUnrelated: .unrelated, .linkOther: .other, .linkOwn: .own][s]!
            try fill(dir + "/real", target)
            try fm.createSymbolicLink(atPath: dir + "/out", withDestinationPath: dir + "/real")
            return (inputs, dir + "/out", dir + "/real")
        case .parentLinkNew, .parentLinkUnrelated:
            try fm.createDirectory(atPath: dir + "/realparent", withIntermediateDirectories: true)
            if s == .parentLinkUnrelated { try fill(dir + "/realparent/out", .unrelated) }
            try fm.createSymbolicLink(atPath: dir + "/link", withDestinationPath: dir + "/realparent")
            return (inputs, dir + "/link/out", dir + "/realparent/out")
        case .outIsInput: return (inputs, inputs + "/" + c.input!, inputs + "/" + c.input!)
        case .outIsParentOfInput: return (inputs, inputs, inputs)
        case .outInsideInput: return (inputs, inputs + "/" + c.input! + "/sub", inputs + "/" + c.input! + "/sub")
        }
    }

    /// Every file and link below `dir` (relative path → bytes, or the link's target), without the
    /// data sets' fingerprint cache (rewritten by design whenever a shard's inode changes).
    func snapshot(_ dir: String) -> [String: Data] {
        var out: [String: Data] = [:]
        let fm = FileManager.default
        func walk(_ rel: String) {
            let path = rel.isEmpty ? dir : dir + "/" + rel
            for name in (try? fm.contentsOfDirectory(atPath: path)) ?? [] where name != ".hsae-fingerprint.json" {
                let r = rel.isEmpty ? name : rel + "/" + name
                let full = dir + "/" + r
                if let target = try? fm.destinationOfSymbolicLink(atPath: full) { out[r] = Data(("link→" + target).utf8); continue }
                var isDir: ObjCBool = false
                if fm.fileExists(atPath: full, isDirectory: &isDir), isDir.boolValue { out[r + "/"] = Data(); walk(r) } else { out[r] = fm.contents(atPath: full) ?? Data() }
            }
        }
        walk("")
        return out
    }

    func testEveryCommandStateAndForce() throws {
        var lines: [String] = []
        for c in Command.allCases {
            for s in State.allCases where c.input != nil || !s.usesInput {
                for force in [false, true] {
                    lines.append(try check(c, s, force: force))
                }
            }
        }
        print("output rule matrix (\(lines.count) cases):\n" + lines.joined(separator: "\n"))
    }

    func check(_ c: Command, _ s: State, force: Bool) throws -> String {
        let dir = Self.root + "/cases/\(c.rawValue)-\(s.rawValue)-\(force ? "force" : "noforce")"
        let (inputs, out, real) = try prepare(c, s, dir: dir)
        let before = snapshot(dir)
        let ownListed = Set(((try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: real + "/.hsae-output.json"))))
            as? [String: Any])?["files"] as? [String] ?? []) .union([".hsae-output.json"])
        let run = try Harness.single(arguments(c, inputs: inputs, out: out) + (force ? ["--force"] : []))
        let label = "\(c.rawValue) \(s.rawValue)\(force ? " --force" : ""): "
        XCTAssertFalse(run.timedOut, label + "hung")
        let after = snapshot(dir)
        let expectSuccess = allowed(c, s, force: force)
        let realRelative = real.hasPrefix(dir + "/") ? String(real.dropFirst(dir.count + 1)) : ""
        if expectSuccess && c == .harvest && !Self.hasModel {
            // The rule let it through; the model is missing, so harvest stops at opening it.
            XCTAssertEqual(run.status, 1, label + run.stderr)
            XCTAssertTrue(run.stderr.contains("no-model"), label + "expected the model's error, got: " + run.stderr)
            XCTAssertEqual(after, before, label + "files changed")
            return label + "rule passed (harvest not run: no MiniLM here), unchanged"
        }
        if expectSuccess {
            XCTAssertEqual(run.status, 0, label + run.stderr)
            let marker = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: real + "/.hsae-output.json")))) as? [String: Any]
            XCTAssertEqual(marker?["command"] as? String, c.rawValue, label + "no marker of \(c.rawValue) in \(real)")
            if s == .linkEmpty || s == .linkOwn {
                XCTAssertNotNil(try? FileManager.default.destinationOfSymbolicLink(atPath: out), label + "the link was replaced")
            }
            // Every file that was there keeps its bytes, except the entries the old marker listed.
            let owned = ownListed.map { realRelative.isEmpty ? $0 : realRelative + "/" + $0 }
            for (path, bytes) in before where !owned.contains(where: { path == $0 || path == $0 + "/" || path.hasPrefix($0 + "/") }) {
                XCTAssertEqual(after[path], bytes, label + "\(path) changed or vanished")
            }
            return label + "written (rc 0), \(before.count) pre-existing entries checked"
        }
        XCTAssertEqual(run.status, 1, label + "expected a refusal: " + run.stderr)
        XCTAssertTrue(run.stderr.contains(refusal(c, s, force: force)), label + "expected '\(refusal(c, s, force: force))' in: " + run.stderr)
        XCTAssertEqual(TinyRuns.errorCount(run.stderr), 1, label + run.stderr)
        XCTAssertEqual(after, before, label + "a refused command changed files")
        return label + "refused (rc 1): " + (run.stderr.split(separator: "\n").first.map(String.init) ?? "")
    }
}
