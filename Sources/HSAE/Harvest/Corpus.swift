import Foundation

/// One document of a labelled corpus.
public struct CorpusDocument: Codable, Equatable, Sendable {
    /// Stable and human-readable: `fortunes/science:12`, `python-stdlib/json/decoder.py:3`.
    public var id: String
    /// The category: a fortune file (`science`, `de/computer`) or `code`.
    public var genre: String
    /// `en`, `de`, `es`, `it`, `python`.
    public var language: String
    /// Where it came from: `fortunes`, `fortunes-de`, ..., `python-stdlib`.
    public var source: String
    public var text: String

    public init(id: String, genre: String, language: String, source: String, text: String) {
        self.id = id
        self.genre = genre
        self.language = language
        self.source = source
        self.text = text
    }
}

/// A corpus directory: `corpus.json` (this manifest) and `documents.jsonl` (one document per
/// line, in corpus order: a seeded shuffle, so that any prefix mixes every genre).
///
///     {"format": "hsae-corpus", "version": 1, "documents": 31415, "seed": 0,
///      "genres": [...], "languages": [...], "sources": [...],      sorted; label value = index
///      "genre_counts": {"science": 612, ...}, "fingerprint": "fnv1a64:…", "provenance": {...}}
public struct CorpusManifest: Codable, Equatable, Sendable {
    public var format = "hsae-corpus"
    public var version = 1
    public var documents: Int
    public var seed: UInt64
    public var genres: [String]
    public var languages: [String]
    public var sources: [String]
    public var genreCounts: [String: Int]
    /// FNV-1a 64 of `documents.jsonl`: two builds are the same corpus iff this agrees.
    public var fingerprint: String
    public var provenance: [String: String]

    enum CodingKeys: String, CodingKey {
        case format, version, documents, seed, genres, languages, sources, fingerprint, provenance
        case genreCounts = "genre_counts"
    }
}

public struct Corpus: Sendable {
    public static let manifestName = "corpus.json"
    public static let documentsName = "documents.jsonl"

    public var manifest: CorpusManifest
    public var documents: [CorpusDocument]

    /// Builds the manifest (label vocabularies, counts, fingerprint) for documents in their final order.
    public init(documents: [CorpusDocument], seed: UInt64, provenance: [String: String]) {
        self.documents = documents
        var counts: [String: Int] = [:]
        for d in documents { counts[d.genre, default: 0] += 1 }
        manifest = CorpusManifest(documents: documents.count, seed: seed,
                                  genres: Set(documents.map(\.genre)).sorted(),
                                  languages: Set(documents.map(\.language)).sorted(),
                                  sources: Set(documents.map(\.source)).sorted(),
                                  genreCounts: counts, fingerprint: "fnv1a64:" + String(Self.fnv1a(Self.jsonLines(documents)), radix: 16),
                                  provenance: provenance)
    }

    static func jsonLines(_ documents: [CorpusDocument]) -> Data {
        let encoder = JSONFormat.encoder(.compactPlainSlashes)
        var out = Data()
        for d in documents {
            out.append(try! encoder.encode(d))  // plain strings: encoding cannot fail
            out.append(0x0A)
        }
        return out
    }

    static func fnv1a(_ data: Data) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in data { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// Writes `documents.jsonl` then `corpus.json`, each atomically (the manifest last: a corpus
    /// directory with a manifest is complete).
    public func write(to directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw HSAEError.io(path: directory, message: "cannot create the corpus directory: \(error.localizedDescription)")
        }
        try AtomicFile.write(Self.jsonLines(documents), to: directory + "/" + Self.documentsName)
        let encoder = JSONFormat.encoder(.prettyPlainSlashes)
        try AtomicFile.write(try encoder.encode(manifest), to: directory + "/" + Self.manifestName)
    }

    /// Reads and checks a corpus directory; an empty corpus is an error.
    public static func read(from directory: String) throws -> Corpus {
        let manifestPath = directory + "/" + manifestName
        guard let manifestData = FileManager.default.contents(atPath: manifestPath) else {
            throw HSAEError.badInput(path: manifestPath, message: "cannot read; a corpus directory needs \(manifestName) and "
                                     + "\(documentsName) (build one with scripts/get-corpus or hsae corpus)")
        }
        let manifest: CorpusManifest
        do {
            manifest = try JSONFormat.decoder().decode(CorpusManifest.self, from: manifestData)
        } catch {
            throw HSAEError.badInput(path: manifestPath, message: "not a corpus manifest: \(error)")
        }
        guard manifest.format == "hsae-corpus", manifest.version == 1 else {
            throw HSAEError.badInput(path: manifestPath, message: "format '\(manifest.format)' version \(manifest.version), expected 'hsae-corpus' version 1")
        }
        let docsPath = directory + "/" + documentsName
        guard let data = FileManager.default.contents(atPath: docsPath) else {
            throw HSAEError.badInput(path: docsPath, message: "cannot read")
        }
        var documents: [CorpusDocument] = []
        let decoder = JSONFormat.decoder()
        for (n, line) in data.split(separator: 0x0A, omittingEmptySubsequences: true).enumerated() {
            do {
                documents.append(try decoder.decode(CorpusDocument.self, from: Data(line)))
            } catch {
                throw HSAEError.badInput(path: docsPath, message: "line \(n + 1) is not a document {id, genre, language, source, text}: \(error)")
            }
        }
        guard !documents.isEmpty else {
            throw HSAEError.badInput(path: docsPath, message: "the corpus has no documents, expected at least one")
        }
        guard documents.count == manifest.documents else {
            throw HSAEError.badInput(path: docsPath, message: "has \(documents.count) documents, but \(manifestName) says \(manifest.documents)")
        }
        for (kind, values, known) in [("genre", documents.map(\.genre), manifest.genres),
                                      ("language", documents.map(\.language), manifest.languages),
                                      ("source", documents.map(\.source), manifest.sources)] {
            if let unknown = values.first(where: { !known.contains($0) }) {
                throw HSAEError.badInput(path: docsPath, message: "\(kind) '\(unknown)' is not in \(manifestName) (\(known.joined(separator: ", ")))")
            }
        }
        return Corpus(documents: documents, manifest: manifest)
    }

    init(documents: [CorpusDocument], manifest: CorpusManifest) {
        self.documents = documents
        self.manifest = manifest
    }
}
