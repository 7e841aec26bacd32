import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A directory written whole or not at all: files go into a hidden sibling
/// `.<name>.partial-<pid>`, which `commit()` renames onto the target. A failure before that
/// leaves the target as it was (`discard()` removes the partial directory).
///
/// The target may not exist, or be an empty directory; a non-empty one is refused unless
/// `replace` is set, in which case it is swapped out at commit and then deleted.
struct StagedDirectory {
    let target: String
    let staging: String
    let replace: Bool

    init(target: String, replace: Bool, option: String) throws {
        let fm = FileManager.default
        let url = URL(fileURLWithPath: target).standardizedFileURL
        self.target = url.path
        self.replace = replace
        let parent = url.deletingLastPathComponent().path
        staging = parent + "/.\(url.lastPathComponent).partial-\(getpid())"
        do {
            try OutputDirectory.check(self.target, replace: replace, option: option)
        } catch HSAEError.badConfig(let option, let message) {
            // Name the path as the user gave it.
            throw HSAEError.badConfig(option: option, message: message.replacingOccurrences(of: "'\(self.target)'", with: "'\(target)'"))
        }
        do {
            try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
            if fm.fileExists(atPath: staging) { try fm.removeItem(atPath: staging) }
            try fm.createDirectory(atPath: staging, withIntermediateDirectories: false)
        } catch {
            throw HSAEError.io(path: staging, message: "cannot create the output directory: \(error.localizedDescription)")
        }
    }

    /// Moves the finished directory into place (replacing the old one when allowed).
    func commit() throws {
        let fm = FileManager.default
        let parent = (target as NSString).deletingLastPathComponent
        var old: String?
        if fm.fileExists(atPath: target) {
            let aside = parent + "/.\((target as NSString).lastPathComponent).old-\(getpid())"
            guard rename(target, aside) == 0 else {
                throw HSAEError.io(path: target, message: "cannot move the old directory aside: \(String(cString: strerror(errno)))")
            }
            old = aside
        }
        guard rename(staging, target) == 0 else {
            let reason = String(cString: strerror(errno))
            if let old { _ = rename(old, target) }
            throw HSAEError.io(path: target, message: "cannot rename \(staging) into place: \(reason)")
        }
        try AtomicFile.syncDirectory(parent)
        if let old { try? fm.removeItem(atPath: old) }
    }

    func discard() {
        try? FileManager.default.removeItem(atPath: staging)
    }
}
