import Foundation

/// Builds a labelled corpus from text that Debian and Python ship (docs/HARVEST.md):
///
///   * fortune files (`fortunes`, `fortunes-de`, `fortunes-es`, `fortunes-it`): one document per
///     fortune (entries separated by a line `%`), genre = the file (one category per file);
///   * Python source files (the standard library): chunks of about `codeChunkChars` characters
///     cut at blank lines, genre `code`, language `python`.
///
/// Deterministic: files are read in sorted order, a genre with more than `maxDocsPerGenre`
/// documents keeps a seeded sample, and the whole corpus is shuffled with `seed`.
public struct CorpusBuilder {
    public struct FortuneSource: Equatable, Sendable {
        public var directory: String
        public var language: String
        public var source: String
        public init(directory: String, language: String, source: String) {
            self.directory = directory
            self.language = language
            self.source = source
        }
    }

    public var fortunes: [FortuneSource] = []
    public var codeDirectories: [String] = []
    public var maxDocsPerGenre = 1500
    public var codeChunkChars = 1200
    public var seed: UInt64 = 0

    public init() {}

    /// Fortune files that carry no prose.
    static let excludedGenres: Set<String> = ["ascii-art", "asciiart", "banner", "translate-me"]

    public func build() throws -> Corpus {
        var byGenre: [String: [CorpusDocument]] = [:]
        var genreOrder: [String] = []
        func add(_ doc: CorpusDocument) {
            if byGenre[doc.genre] == nil { genreOrder.append(doc.genre) }
            byGenre[doc.genre, default: []].append(doc)
        }
        for source in fortunes {
            for file in try Self.fortuneFiles(in: source.directory) {
                var category = (file as NSString).lastPathComponent
                if category.hasSuffix(".fortunes") { category.removeLast(".fortunes".count) }
                guard !Self.excludedGenres.contains(category) else { continue }
                let genre = source.language == "en" ? category : source.language + "/" + category
                for (i, text) in Self.fortuneEntries(try Self.readText(file)).enumerated() {
                    add(CorpusDocument(id: "\(source.source)/\(category):\(i)", genre: genre, language: source.language,
                                       source: source.source, text: text))
                }
            }
        }
        for root in codeDirectories {
            for file in try Self.pythonFiles(under: root) {
                let relative = String(file.dropFirst(root.count + 1))
                for (i, text) in Self.codeChunks(try Self.readText(file), target: codeChunkChars).enumerated() {
                    add(CorpusDocument(id: "python-stdlib/\(relative):\(i)", genre: "code", language: "python",
                                       source: "python-stdlib", text: text))
                }
            }
        }
        var documents: [CorpusDocument] = []
        let rng = SplitMix64(seed: seed)
        for (g, genre) in genreOrder.enumerated() {
            var docs = byGenre[genre]!
            if docs.count > maxDocsPerGenre {
                var sampler = rng.derived(UInt64(g) + 1)
                docs = Array(Self.shuffled(docs, &sampler).prefix(maxDocsPerGenre))
            }
            documents += docs
        }
        var shuffler = rng.derived(0)
        documents = Self.shuffled(documents, &shuffler)
        var provenance = ["generator": "hsae corpus", "max_docs_per_genre": String(maxDocsPerGenre),
                          "code_chunk_chars": String(codeChunkChars)]
        for (i, s) in fortunes.enumerated() { provenance["fortunes.\(i)"] = "\(s.source) \(s.language) \(s.directory)" }
        for (i, d) in codeDirectories.enumerated() { provenance["code.\(i)"] = d }
        return Corpus(documents: documents, seed: seed, provenance: provenance)
    }

    /// Fisher–Yates with SplitMix64: the same order on every machine.
    static func shuffled<T>(_ items: [T], _ rng: inout SplitMix64) -> [T] {
        var a = items
        guard a.count > 1 else { return a }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            a.swapAt(i, j)
        }
        return a
    }

    /// Regular fortune files of a directory (not symbolic links, not `.dat`/`.u8` indexes), sorted.
    static func fortuneFiles(in directory: String) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw HSAEError.badInput(path: directory, message: "cannot list the fortune directory (install the Debian packages "
                                     + "fortunes fortunes-de fortunes-es fortunes-it, or run scripts/get-corpus)")
        }
        return names.sorted().compactMap { name -> String? in
            let path = directory + "/" + name
            guard !name.hasPrefix("."), !name.hasSuffix(".dat"), !name.hasSuffix(".u8"),
                  let attrs = try? FileManager.default.attributesOfItem(atPath: path),
                  attrs[.type] as? FileAttributeType == .typeRegular else { return nil }
            return path
        }
    }

    /// `.py` files under `root`, sorted, without tests, third-party packages and caches.
    static func pythonFiles(under root: String) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw HSAEError.badInput(path: root, message: "cannot list the code directory")
        }
        let skipped: Set<String> = ["test", "tests", "site-packages", "dist-packages", "__pycache__", "idle_test", "lib2to3"]
        var files: [String] = []
        while let relative = walker.nextObject() as? String {
            let parts = relative.split(separator: "/").map(String.init)
            if parts.dropLast().contains(where: skipped.contains) || skipped.contains(parts.last ?? "") {
                if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory { walker.skipDescendants() }
                continue
            }
            if relative.hasSuffix(".py") { files.append(root + "/" + relative) }
        }
        guard !files.isEmpty else { throw HSAEError.badInput(path: root, message: "has no .py files") }
        return files.sorted()
    }

    /// UTF-8, or Latin-1 for the older fortune files that are not UTF-8.
    static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HSAEError.badInput(path: path, message: "cannot read")
        }
        return String(data: data, encoding: .utf8) ?? String(decoding: data.map { UInt16($0) }, as: UTF16.self)
    }

    /// The entries of a fortune file, overstrike (`x\bx`, `_\bx`) resolved, blank ones dropped.
    static func fortuneEntries(_ text: String) -> [String] {
        var entries: [String] = []
        var current: [Substring] = []
        func flush() {
            let entry = resolveOverstrike(current.joined(separator: "\n")).trimmingCharacters(in: .whitespacesAndNewlines)
            if !entry.isEmpty { entries.append(entry) }
            current = []
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "%" || line == "%\r" { flush() } else { current.append(line) }
        }
        flush()
        return entries
    }

    /// Backspace overstrike, as old terminals printed it: drop each backspace and the character before it.
    static func resolveOverstrike(_ text: String) -> String {
        guard text.unicodeScalars.contains("\u{8}") else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s == "\u{8}" { if !out.isEmpty { out.removeLast() } } else { out.append(s) }
        }
        return String(out)
    }

    /// Source cut at the first blank line after `target` characters (hard cut at 4 × target).
    static func codeChunks(_ text: String, target: Int) -> [String] {
        var chunks: [String] = []
        var current: [Substring] = []
        var size = 0
        func flush() {
            let chunk = current.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            if !chunk.isEmpty { chunks.append(chunk) }
            current = []
            size = 0
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let blank = line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
            if blank && size >= target { flush(); continue }
            current.append(line)
            size += line.count + 1
            if size >= 4 * target { flush() }
        }
        flush()
        return chunks
    }
}
