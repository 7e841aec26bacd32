import ArgumentParser
import Dist
import Foundation
import HSAE

struct CorpusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corpus",
        abstract: "Build a labelled multi-genre corpus (genre, language, source per document) from fortune files and Python source.",
        discussion: """
            Writes DIR/corpus.json and DIR/documents.jsonl (see docs/HARVEST.md). Deterministic: the same inputs and seed give the same fingerprint. Without --fortunes, reads the Debian packages fortunes, fortunes-de, fortunes-es and fortunes-it from /usr/share/games/fortunes.

            Examples:
              scripts/get-corpus        (installs the packages, runs the next line)
              hsae corpus --out corpus --code "$(python3 -c \\
                  'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
              hsae corpus --out corpus-en \\
                  --fortunes en=/usr/share/games/fortunes --max-docs-per-genre 200
            """)

    static let debianFortunes = "/usr/share/games/fortunes"

    @Option(help: "Output corpus directory: new or empty, or an earlier corpus (with --force).")
    var out: String

    @Flag(help: "Replace an earlier hsae corpus in --out (only the entries its .hsae-output.json lists; anything else is refused).")
    var force = false

    @Option(help: ArgumentHelp("A fortune directory with its language, LANG=DIR (repeatable; one genre per file).",
                               valueName: "LANG=DIR"))
    var fortunes: [String] = []

    @Option(help: ArgumentHelp("A directory of Python source (e.g. the standard library), genre 'code' (repeatable).",
                               valueName: "DIR"))
    var code: [String] = []

    @Option(help: "Keep at most this many documents per genre (a seeded sample).")
    var maxDocsPerGenre = 1500

    @Option(help: "Target characters per code document (source is cut at blank lines).")
    var codeChunkChars = 1200

    @Option(help: "Seed of the sampling and of the corpus order.")
    var seed: UInt64 = 0

    func validate() throws {
        if maxDocsPerGenre < 1 { throw ValidationError("--max-docs-per-genre must be >= 1, got \(maxDocsPerGenre)") }
        if codeChunkChars < 100 { throw ValidationError("--code-chunk-chars must be >= 100, got \(codeChunkChars)") }
        for f in fortunes where Self.parseFortunes(f) == nil {
            throw ValidationError("--fortunes '\(f)' is not LANG=DIR (e.g. de=/usr/share/games/fortunes/de)")
        }
    }

    static func parseFortunes(_ value: String) -> CorpusBuilder.FortuneSource? {
        guard let eq = value.firstIndex(of: "="), eq != value.startIndex else { return nil }
        let language = String(value[..<eq]), dir = String(value[value.index(after: eq)...])
        guard !dir.isEmpty else { return nil }
        return .init(directory: dir, language: language, source: language == "en" ? "fortunes" : "fortunes-\(language)")
    }

    func run() throws {
        Session.run { comm, log in
            let output = try comm.onEveryRank {
                try OutputDirectory(out, command: .corpus, intent: force ? .replace : .create,
                                    inputs: (fortunes.compactMap(Self.parseFortunes).map(\.directory) + code).map { .init(code.contains($0) ? "--code" : "--fortunes", $0) })
            }
            var builder = CorpusBuilder()
            builder.fortunes = fortunes.isEmpty
                ? ["en": "", "de": "/de", "es": "/es", "it": "/it"].sorted { $0.key < $1.key }.map {
                    .init(directory: Self.debianFortunes + $0.value, language: $0.key, source: $0.key == "en" ? "fortunes" : "fortunes-\($0.key)")
                }
                : fortunes.compactMap(Self.parseFortunes)
            builder.codeDirectories = code.map { $0.hasSuffix("/") && $0.count > 1 ? String($0.dropLast()) : $0 }
            builder.maxDocsPerGenre = maxDocsPerGenre
            builder.codeChunkChars = codeChunkChars
            builder.seed = seed
            let corpus = try builder.build()
            guard !corpus.documents.isEmpty else {
                throw HSAEError.badInput(path: builder.fortunes.map(\.directory).joined(separator: ", "),
                                         message: "no documents found, expected fortune files or .py files")
            }
            try comm.onRoot {
                try output.prepare()
                try corpus.write(to: output.path)
            }
            let m = corpus.manifest
            log.info("corpus: \(m.documents) documents, \(m.genres.count) genres, languages \(m.languages.joined(separator: " ")), "
                     + "sources \(m.sources.joined(separator: " "))")
            log.info("  \(m.fingerprint) → \(out)/\(Corpus.manifestName), \(out)/\(Corpus.documentsName)")
        }
    }
}
