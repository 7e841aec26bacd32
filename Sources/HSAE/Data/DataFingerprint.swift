import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a run trained on, per shard: the file's name, size and checksum (Checksum.hex over
/// its bytes). Recorded in every checkpoint's state.json; `--resume` refuses a data set whose
/// fingerprint differs, naming the shard, unless told `--allow-data-change`.
///
/// A checksum reads the whole shard once. It is cached in the data set directory
/// (`.hsae-fingerprint.json`), keyed by name, size, modification time and inode, so later runs
/// and resumes only stat the files. A shard rewritten with the same size, mtime and inode would
/// be taken from the cache — that needs deliberate effort (`touch -r`), and is documented in
/// docs/SECURITY.md. When the directory is read-only the checksums are computed every time.
///
/// The same pass finds each shard's first row with NaN or ±Inf, so a run refuses such data at
/// its start (naming shard and row) instead of when a batch happens to read the row.
public struct DataFingerprint: Codable, Equatable, Sendable {
    public struct Shard: Codable, Equatable, Sendable {
        public var file: String
        public var bytes: Int
        public var checksum: String
        /// The first row holding NaN or ±Inf, found in the same pass (not part of the comparison).
        public var firstNonFiniteRow: Int?
    }

    public var shards: [Shard]

    public static let cacheName = ".hsae-fingerprint.json"

    /// The fingerprint of an opened data set (its shard files, in manifest order).
    public init(dataset: ActivationDataset) throws {
        let directory = dataset.directory
        let cachePath = directory + "/" + Self.cacheName
        let cache = Self.readCache(cachePath)
        var fresh: [String: CacheEntry] = [:]
        var shards: [Shard] = []
        for (entry, reader) in zip(dataset.manifest.shards, dataset.shards) {
            let key = try CacheEntry.key(path: reader.path)
            let checksum: String, nonFinite: Int
            if let hit = cache[entry.file], hit.matches(key), let scanned = hit.firstNonFiniteRow {
                (checksum, nonFinite) = (hit.checksum, scanned)
            } else {
                let file = try MappedFile(path: reader.path)
                checksum = withExtendedLifetime(file) { Checksum.hex(file.bytes) }
                nonFinite = reader.firstNonFiniteRow() ?? -1
                reader.dropResidentPages()  // one shard at a time in memory, not the data set
            }
            fresh[entry.file] = CacheEntry(size: key.size, mtimeNanoseconds: key.mtime, inode: key.inode, checksum: checksum,
                                           firstNonFiniteRow: nonFinite)
            shards.append(Shard(file: entry.file, bytes: key.size, checksum: checksum, firstNonFiniteRow: nonFinite < 0 ? nil : nonFinite))
        }
        self.shards = shards
        if fresh != cache.filter({ fresh[$0.key] != nil }), let data = try? JSONFormat.encoder(.pretty).encode(cache.merging(fresh) { $1 }) {
            try? AtomicFile.write(data, to: cachePath)  // best effort: a read-only data set is fine
        }
    }

    /// The first training row (global index below `trainingRows`) holding NaN or ±Inf, as the
    /// error that reading it would raise; nil when there is none.
    public func nonFiniteError(dataset: ActivationDataset, trainingRows: Int) -> HSAEError? {
        for (i, shard) in shards.enumerated() {
            guard let local = shard.firstNonFiniteRow, i < dataset.shards.count, dataset.shardStarts[i] + local < trainingRows else { continue }
            return .badInput(path: dataset.shards[i].path, message: "row \(local) contains NaN or Inf "
                + "(rerun with --skip-nonfinite to skip such rows)")
        }
        return nil
    }

    /// Why `self` (the data now) is not the data `recorded` (what the run trained on), or nil.
    public func difference(from recorded: DataFingerprint) -> String? {
        let now = Dictionary(shards.map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
        for old in recorded.shards {
            guard let new = now[old.file] else { return "shard \(old.file) is missing (the run trained on it)" }
            if new.bytes != old.bytes { return "shard \(old.file) has \(new.bytes) bytes, the run trained on \(old.bytes)" }
            if new.checksum != old.checksum {
                return "shard \(old.file) has changed (checksum \(new.checksum), the run trained on \(old.checksum))"
            }
        }
        let added = shards.map(\.file).filter { name in !recorded.shards.contains { $0.file == name } }
        if let first = added.first { return "shard \(first) is new (the run did not train on it)" }
        if shards.map(\.file) != recorded.shards.map(\.file) { return "the shards are in a different order" }
        return nil
    }

    struct CacheEntry: Codable, Equatable {
        var size: Int
        var mtimeNanoseconds: Int
        var inode: UInt64
        var checksum: String
        /// -1: every row finite; nil: not scanned (a cache written by an older hsae).
        var firstNonFiniteRow: Int?

        static func key(path: String) throws -> (size: Int, mtime: Int, inode: UInt64) {
            let info = try POSIX.status(path) { .badInput(path: $0, message: $1) }
            let mtime = Int(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int(info.st_mtim.tv_nsec)
            return (Int(info.st_size), mtime, UInt64(info.st_ino))
        }

        func matches(_ key: (size: Int, mtime: Int, inode: UInt64)) -> Bool {
            size == key.size && mtimeNanoseconds == key.mtime && inode == key.inode
        }
    }

    /// The cache, or empty when it is missing or unreadable (it is only a cache).
    static func readCache(_ path: String) -> [String: CacheEntry] {
        guard let data = FileManager.default.contents(atPath: path),
              let cache = try? JSONFormat.decoder().decode([String: CacheEntry].self, from: data) else { return [:] }
        return cache
    }
}
