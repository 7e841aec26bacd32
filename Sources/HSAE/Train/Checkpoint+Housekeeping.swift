import Foundation

extension Checkpoint {
    /// Removes what interrupted writes leave behind: `checkpoints/.tmp-*` directories and the
    /// `.NAME.tmp-PID` files of AtomicFile, in the run and its checkpoints directory. Call only
    /// while holding the run lock: then no other process can be writing them. Returns the names.
    @discardableResult
    public static func removeStaleTemporaries(run: String) -> [String] {
        var removed: [String] = []
        for dir in [run, RunDirectory(run).checkpoints] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for name in names where name.hasPrefix(".") && name.contains(".tmp-") || name.hasPrefix(".tmp-") {
                if (try? FileManager.default.removeItem(atPath: dir + "/" + name)) != nil { removed.append(name) }
            }
        }
        return removed.sorted()
    }

    /// A checkpoint name's (global step, phase), or nil for anything else in the directory.
    static func parse(_ name: String) -> (step: Int, phase: Int)? {
        let parts = name.split(separator: "-")
        guard parts.count == 2, let phase = Int(parts[0]), let step = Int(parts[1]), phase >= 0, step >= 0 else { return nil }
        return (step, phase)
    }

    /// The global step in a checkpoint's name (`3-0000070` → 70), or nil.
    public static func globalStep(ofName name: String) -> Int? { parse(name)?.step }

    /// Deletes checkpoints beyond the newest `keep`, except those at a phase end (global steps
    /// in `phaseEnds`). A checkpoint is first renamed to a `.tmp-` name, so a crash mid-delete
    /// leaves a stale temporary (removed at the next start), never a half-deleted checkpoint
    /// that looks complete. Returns the names deleted.
    @discardableResult
    public static func prune(run: String, keep: Int, phaseEnds: Set<Int>) -> [String] {
        let root = RunDirectory(run).checkpoints
        var deleted: [String] = []
        for name in RunDirectory(run).checkpointNames().dropFirst(max(1, keep)) {
            guard let (step, _) = parse(name), !phaseEnds.contains(step) else { continue }
            let doomed = root + "/.tmp-pruned-\(name)-\(getpid())"
            // A checkpoint that cannot be moved (gone, or permissions) is kept: pruning is housekeeping.
            guard (try? POSIX.rename(root + "/" + name, doomed, what: "cannot move the checkpoint aside")) != nil else { continue }
            reach(.pruneRenamed, name)
            try? FileManager.default.removeItem(atPath: doomed)
            reach(.pruneRemoved, name)
            deleted.append(name)
        }
        return deleted
    }
}
