import Foundation

extension DatasetManifest {
    /// Checks what `dataset.json` says before any file it names is opened: counts in range, and
    /// every file name confined to the data set's directory (relative, no `..` component), so
    /// a manifest cannot make hsae read — and train on — a file elsewhere on the machine.
    /// Symbolic links inside the directory are followed: whoever can place them there already
    /// controls the data (docs/SECURITY.md).
    func validate(path: String) throws {
        func bad(_ message: String) -> HSAEError { .badInput(path: path, message: message) }
        guard d > 0 else { throw bad("d is \(d), expected a positive width") }
        for (i, shard) in shards.enumerated() {
            guard shard.rows >= 0 else { throw bad("shards[\(i)] (\(shard.file)) has rows \(shard.rows), expected a count >= 0") }
            try Self.checkName(shard.file, field: "shards[\(i)].file", path: path)
            if let labels = shard.labels { try Self.checkName(labels, field: "shards[\(i)].labels", path: path) }
            if let mask = shard.mask { try Self.checkName(mask, field: "shards[\(i)].mask", path: path) }
            if let truth = shard.truth { try Self.checkName(truth, field: "shards[\(i)].truth", path: path) }
        }
        if let groundTruth { try Self.checkName(groundTruth, field: "ground_truth", path: path) }
    }

    /// A file name from a manifest: non-empty, relative, without `..` components or NUL bytes.
    static func checkName(_ name: String, field: String, path: String) throws {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        let confined = !name.isEmpty && !name.hasPrefix("/") && !name.contains("\0")
            && !components.contains("..") && !components.contains("")
        guard confined else {
            throw HSAEError.badInput(path: path, message: "\(field) '\(name)' is not a file name inside the data set's directory "
                + "(expected a relative name without '..', e.g. shard-00000.npy)")
        }
    }
}
