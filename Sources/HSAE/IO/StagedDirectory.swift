import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A directory written whole or not at all — the one staging helper behind `hsae synth`,
/// `hsae export`, `hsae harvest` and every checkpoint: files go into a staging directory beside
/// the target, and `commit()` syncs it and renames it onto the target. A failure before that
/// leaves the target as it was (`discard()` removes the staging directory).
///
/// An existing target is moved aside (to a `.NAME.tmp-old-PID` sibling, which
/// `Checkpoint.removeStaleTemporaries` also recognises), replaced, and then deleted; if the
/// rename fails it is moved back.
public struct StagedDirectory {
    public let target: String
    public let staging: String

    /// Stages into `staging` (a path every rank can compute, for a directory written by several):
    /// creates it afresh (with its parents), removing what an earlier attempt left there.
    public init(target: String, staging: String) throws {
        self.target = target
        self.staging = staging
        let fm = FileManager.default
        do {
            if fm.fileExists(atPath: staging) { try fm.removeItem(atPath: staging) }
            try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw HSAEError.io(path: staging, message: "cannot create the output directory: \(error.localizedDescription)")
        }
    }

    /// The output directory of a staged command (synth, export): judged by `OutputDirectory`
    /// already, staged in a hidden sibling `.NAME.partial-PID` of its real path.
    public init(output: OutputDirectory) throws {
        let url = URL(fileURLWithPath: output.path)
        let parent = url.deletingLastPathComponent().path
        try self.init(target: output.path, staging: parent + "/.\(url.lastPathComponent).partial-\(getpid())")
    }

    /// A command's output: writes the marker into the staging directory (listing what it holds and
    /// the command's own names), judges the target again, and commits.
    public func commit(marking output: OutputDirectory) throws {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []
        try OutputMarker(command: output.command, files: entries + output.command.files).write(in: staging)
        try output.recheck()
        try commit()
    }

    /// Syncs the staging directory, moves it into place (replacing an existing target) and syncs
    /// the parent so the rename is durable. `afterRename` runs between the rename and that sync
    /// (fault injection in tests).
    public func commit(afterRename: () -> Void = {}) throws {
        let fm = FileManager.default
        let parent = (target as NSString).deletingLastPathComponent
        try AtomicFile.syncDirectory(staging)
        var old: String?
        if fm.fileExists(atPath: target) {
            let aside = parent + "/.\((target as NSString).lastPathComponent).tmp-old-\(getpid())"
            try POSIX.rename(target, aside, what: "cannot move the old directory aside")
            old = aside
        }
        do {
            try POSIX.rename(staging, target, what: "cannot rename \(staging) into place")
        } catch {
            if let old { try? POSIX.rename(old, target, what: "cannot move the old directory back") }
            throw error
        }
        afterRename()
        try AtomicFile.syncDirectory(parent)
        if let old { try? fm.removeItem(atPath: old) }
    }

    /// Removes the staging directory (after a failure; best effort, the failure is what is reported).
    public func discard() {
        try? FileManager.default.removeItem(atPath: staging)
    }
}
