import Foundation

/// The one output-directory rule of every command that writes a directory (docs/SECURITY.md,
/// "Output directories"; docs/DECISIONS.md). Judged on the real path (symbolic links in the target
/// and its parents resolved), before anything is written:
///
/// - a new or empty directory is written;
/// - a directory carrying this command's marker (`.hsae-output.json`, `OutputMarker`) is its own
///   earlier output: `--force` replaces the entries the marker lists, and is refused if the
///   directory holds anything else (named); `train --resume` and `sweep` continue it, leaving
///   entries they did not write alone; without either it is refused;
/// - anything else — unrelated files, another command's output, hsae output made before markers
///   existed — is refused, naming what is there, with or without `--force`;
/// - an output equal to, above or inside an input (`--run`, `--data`, `--model`, `--corpus`, …)
///   is refused; the one exception is a new subdirectory of a run given as `--run` that the run's
///   layout does not use (`RUN/site`, `RUN/report`: where `features` and the README put them).
public struct OutputDirectory: Sendable {
    /// The commands that write a directory.
    public enum Command: String, Sendable, CaseIterable {
        case synth, corpus, harvest, train, export, eval, features, sweep

        /// The entries a command that writes in place owns (the staged ones — synth, harvest,
        /// export — list what their staging directory holds when it is committed).
        public var files: [String] {
            switch self {
            case .train: [RunDirectory.configName, RunDirectory.metricsName, RunDirectory.modelName, RunDirectory.checkpointsName, ".lock"]
            case .eval: ["report.json", "report.md", "report.html"]
            case .features: ["index.html", "top", "bottom"]
            case .corpus: ["corpus.json", "documents.jsonl"]
            case .sweep: ["runs", "reports", "sweep.md", "sweep.json"]
            case .synth, .harvest: [DataFingerprint.cacheName]  // the cache train and eval keep beside a data set's shards
            case .export: ["__pycache__"]  // Python's bytecode of hsae_sae_lens.py, written beside it on import
            }
        }

        /// Listed entries that hold no output (the run lock): their presence alone is not an output.
        var bookkeeping: Set<String> { self == .train ? [".lock"] : [] }

        /// An hsae directory of this command made before markers existed, which `train --resume`
        /// and `sweep` still continue (a run with checkpoints; a sweep's runs/ and reports/).
        func isUnmarkedOwnLayout(_ names: [String]) -> Bool {
            switch self {
            case .train: names.contains(RunDirectory.checkpointsName)
            case .sweep: names.contains("runs") && names.allSatisfy(Set(files).contains)
            default: false
            }
        }
    }

    /// What the command means to do with a directory that already holds its own output.
    public enum Intent: Sendable {
        /// Write a new output: only a new or empty directory.
        case create
        /// `--force`: replace its own earlier output (the marker's entries).
        case replace
        /// `train --resume`, `sweep`: continue its own output (or start a new one).
        case continueOwn
    }

    /// An input of the command, which the output must not equal, contain or lie inside.
    public struct Input: Sendable {
        public let option: String
        public let path: String
        /// A run directory given as --run/--baseline: a new subdirectory of it outside its layout is allowed.
        public let isRun: Bool
        public init(_ option: String, _ path: String, isRun: Bool = false) {
            self.option = option
            self.path = path
            self.isRun = isRun
        }
    }

    /// The path as given (messages) and as the file system resolves it (every write).
    public let given: String, path: String
    public let command: Command
    public let intent: Intent
    /// The marker found there (nil: new, empty, or an unmarked run continued).
    public let marker: OutputMarker?
    let option: String

    /// Judges `given` for `command`; throws the refusal, naming the path and what is there.
    public init(_ given: String, command: Command, intent: Intent, inputs: [Input] = [], option: String = "--out") throws {
        self.given = given
        self.command = command
        self.intent = intent
        self.option = option
        path = try RealPath.resolve(given, option: option)
        try Self.checkInputs(inputs, out: path, given: given, option: option)
        marker = try Self.judge(path, given: given, command: command, intent: intent, option: option)
    }

    /// For a command that writes in place, on the one rank that writes, before its first file:
    /// creates the directory, removes the entries of its own earlier output under `--force`, and
    /// writes the marker (`files`: the command's own list by default).
    public func prepare(files: [String]? = nil) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw HSAEError.io(path: given, message: "cannot create the output directory: \(error.localizedDescription)")
        }
        if intent == .replace, let marker { try remove(marker.files) }
        var listed = files ?? command.files
        if intent == .continueOwn, let marker { listed += marker.files }
        try OutputMarker(command: command, files: listed).write(in: path)
    }

    /// Judges the directory again (right before a staged output is renamed onto it): a file that
    /// appeared since the first check is refused, not replaced.
    public func recheck() throws {
        _ = try Self.judge(path, given: given, command: command, intent: intent, option: option)
    }

    private func remove(_ names: [String]) throws {
        for name in names where FileManager.default.fileExists(atPath: path + "/" + name) || isSymlink(path + "/" + name) {
            do {
                try FileManager.default.removeItem(atPath: path + "/" + name)
            } catch {
                throw HSAEError.io(path: path + "/" + name, message: "cannot remove the earlier output: \(error.localizedDescription)")
            }
        }
    }

    private func isSymlink(_ p: String) -> Bool { (try? FileManager.default.destinationOfSymbolicLink(atPath: p)) != nil }
}

extension OutputDirectory {
    /// "'given'" plus the real path when a link made them differ.
    static func shown(_ given: String, _ real: String) -> String {
        let plain = URL(fileURLWithPath: given).standardizedFileURL.path
        return plain == real ? "'\(given)'" : "'\(given)' (really '\(real)')"
    }

    static func checkInputs(_ inputs: [Input], out: String, given: String, option: String) throws {
        for input in inputs {
            guard let real = RealPath.existing(input.path) else { continue }  // the command's reader names a missing input
            let what = "\(input.option) \(shown(input.path, real))"
            func refuse(_ relation: String) -> HSAEError {
                .badConfig(option: option, message: "\(shown(given, out)) \(relation) \(what); writing there could replace the input. "
                    + "Choose a directory outside it")
            }
            if real == out { throw refuse("is") }
            if RealPath.isInside(real, out) { throw refuse("contains") }
            guard RealPath.isInside(out, real) else { continue }
            let first = String(out.dropFirst(real == "/" ? 1 : real.count + 1).split(separator: "/").first ?? "")
            var isDir: ObjCBool = false
            let runLayout = Set(Command.train.files + [OutputMarker.fileName])
            if input.isRun, FileManager.default.fileExists(atPath: real, isDirectory: &isDir), isDir.boolValue,
               !runLayout.contains(first), !first.hasPrefix(".") { continue }
            throw refuse("is inside")
        }
    }

    /// The rule on the directory's entries; returns the marker of the command's own output.
    static func judge(_ path: String, given: String, command: Command, intent: Intent, option: String) throws -> OutputMarker? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return nil }
        guard isDir.boolValue else {
            throw HSAEError.badConfig(option: option, message: "\(shown(given, path)) is a file, expected a directory to create")
        }
        let fm = FileManager.default
        guard let all = try? fm.contentsOfDirectory(atPath: path) else {
            throw HSAEError.io(path: given, message: "cannot list the output directory (permissions?)")
        }
        let names = all.filter { $0 != OutputMarker.fileName }.sorted()
        let marker = try OutputMarker.read(in: path)
        func listing(_ entries: [String]) -> String {
            let shownNames = entries.prefix(6).map { name -> String in
                var d: ObjCBool = false
                return fm.fileExists(atPath: path + "/" + name, isDirectory: &d) && d.boolValue ? name + "/" : name
            }
            return shownNames.joined(separator: ", ") + (entries.count > 6 ? ", … (\(entries.count) entries)" : "")
        }
        let here = shown(given, path)
        guard let marker else {
            if names.isEmpty || (intent == .continueOwn && command.isUnmarkedOwnLayout(names)) { return nil }
            if command == .train, command.isUnmarkedOwnLayout(names) { throw alreadyARun(given, listing(names)) }
            throw HSAEError.badConfig(option: option, message: "\(here) is not empty (\(listing(names))) and holds no output of hsae \(command.rawValue) "
                + "(no \(OutputMarker.fileName)\(unmarkedHint(names))); hsae writes only into a new or empty directory or its own earlier "
                + "output, so choose another directory")
        }
        guard marker.command == command.rawValue else {
            throw HSAEError.badConfig(option: option, message: "\(here) holds the output of hsae \(marker.command) (\(listing(names))), "
                + "not of hsae \(command.rawValue); choose another directory")
        }
        let listed = Set(marker.files + [OutputMarker.fileName])
        let unlisted = names.filter { name in !listed.contains(name) && !listed.contains { name.hasPrefix(".\($0).tmp-") } }
        let written = names.filter { listed.contains($0) && !command.bookkeeping.contains($0) }
        switch intent {
        case .continueOwn:
            return marker
        case .create where !written.isEmpty:
            if command == .train { throw alreadyARun(given, listing(written)) }
            throw HSAEError.badConfig(option: option, message: "\(here) holds an earlier output of hsae \(command.rawValue) (\(listing(written))); "
                + "pass --force to replace it or choose another directory")
        case .create, .replace:
            guard unlisted.isEmpty else {
                throw HSAEError.badConfig(option: option, message: "\(here) holds entries hsae \(command.rawValue) did not write (\(listing(unlisted))); "
                    + "\(intent == .replace ? "--force replaces only the entries listed in its \(OutputMarker.fileName); " : "")"
                    + "move them away or choose another directory")
            }
            return marker
        }
    }

    static func alreadyARun(_ given: String, _ listing: String) -> HSAEError {
        .badConfig(option: "--out", message: "\(given) already holds a run (\(listing)); continue it with --resume \(given) or choose another --out")
    }

    /// What an unmarked non-empty directory looks like, when it is hsae's own from before markers.
    static func unmarkedHint(_ names: [String]) -> String {
        let kinds: [(String, String)] = [(RunDirectory.checkpointsName, "a run"), (RunDirectory.modelName, "a run"),
                                         (DatasetManifest.fileName, "a data set"), ("hsae.json", "an export"),
                                         ("report.json", "a report"), ("sweep.json", "a sweep"), ("corpus.json", "a corpus")]
        guard let kind = kinds.first(where: { names.contains($0.0) }) else { return "" }
        return "; it looks like \(kind.1) made before output markers existed: hsae reads it but never overwrites it"
    }
}
