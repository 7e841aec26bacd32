import Foundation

/// The one overwrite rule of every command that writes a directory (docs/DECISIONS.md): an
/// output that exists and is not empty is refused, naming it, unless `--force`; a file where a
/// directory is expected is always refused. (train never replaces a run: --resume continues it.)
public enum OutputDirectory {
    public static func check(_ path: String, replace: Bool, option: String = "--out") throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return }
        guard isDir.boolValue else {
            throw HSAEError.badConfig(option: option, message: "'\(path)' is a file, expected a directory to create")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        if !entries.isEmpty && !replace {
            throw HSAEError.badConfig(option: option, message: "'\(path)' is not empty (\(entries.count) \(entries.count == 1 ? "entry" : "entries")); "
                + "choose a new directory or pass --force to replace it")
        }
    }
}
