import Foundation
@testable import HSAE
import XCTest

/// The corpus builder and format, on small files made here (no Debian packages needed).
final class HarvestCorpusTests: XCTestCase {
    /// Writes fortune files and a code directory; returns (fortunes dir, code dir).
    static func makeSources(in dir: String) throws -> (String, String) {
        let fortunes = dir + "/fortunes", code = dir + "/code"
        try FileManager.default.createDirectory(atPath: fortunes, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: code + "/pkg/tests", withIntermediateDirectories: true)
        try "A scientist is a person.\n%\nThe universe is big.\n\t\t-- Somebody\n%\n\n%\nE = mc^2\n"
            .write(toFile: fortunes + "/science", atomically: true, encoding: .utf8)
        try "Justice is blind.\n%\nThe law is an a_\u{8}ss.\n".write(toFile: fortunes + "/law", atomically: true, encoding: .utf8)
        try Data([0x43, 0x61, 0x66, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: fortunes + "/latin1"))  // "Café" in Latin-1
        try "index".write(toFile: fortunes + "/science.dat", atomically: true, encoding: .utf8)
        try "banner art".write(toFile: fortunes + "/banner", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: fortunes + "/science.u8", withDestinationPath: "science")
        try "def f(x):\n    return x + 1\n\n\ndef g():\n    pass\n".write(toFile: code + "/pkg/mod.py", atomically: true, encoding: .utf8)
        try "assert True\n".write(toFile: code + "/pkg/tests/test_mod.py", atomically: true, encoding: .utf8)
        return (fortunes, code)
    }

    func testBuildsLabelledDocumentsDeterministically() throws {
        let dir = try HarvestFixtures.temporaryDirectory("corpus")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (fortunes, code) = try Self.makeSources(in: dir)
        var builder = CorpusBuilder()
        builder.fortunes = [.init(directory: fortunes, language: "en", source: "fortunes")]
        builder.codeDirectories = [code]
        builder.codeChunkChars = 100
        let corpus = try builder.build()
        let texts = Set(corpus.documents.map(\.text))
        XCTAssertEqual(texts, ["A scientist is a person.", "The universe is big.\n\t\t-- Somebody", "E = mc^2", "Justice is blind.",
                               "The law is an ass.", "Café", "def f(x):\n    return x + 1\n\n\ndef g():\n    pass"])
        XCTAssertEqual(corpus.manifest.genres, ["code", "latin1", "law", "science"], "no .dat, .u8 link, banner or tests/")
        XCTAssertEqual(corpus.manifest.languages, ["en", "python"])
        XCTAssertEqual(corpus.manifest.sources, ["fortunes", "python-stdlib"])
        let code0 = try XCTUnwrap(corpus.documents.first { $0.genre == "code" })
        XCTAssertEqual(code0.id, "python-stdlib/pkg/mod.py:0")
        XCTAssertEqual(code0.language, "python")
        XCTAssertTrue(corpus.documents.contains { $0.id == "fortunes/science:2" && $0.text == "E = mc^2" })

        let again = try builder.build()
        XCTAssertEqual(again.documents, corpus.documents)
        XCTAssertEqual(again.manifest.fingerprint, corpus.manifest.fingerprint)
        builder.seed = 7
        XCTAssertNotEqual(try builder.build().documents.map(\.id), corpus.documents.map(\.id), "the seed orders the corpus")

        try corpus.write(to: dir + "/out")
        let read = try Corpus.read(from: dir + "/out")
        XCTAssertEqual(read.documents, corpus.documents)
        XCTAssertEqual(read.manifest, corpus.manifest)
    }

    func testGenreCapKeepsASeededSample() throws {
        let dir = try HarvestFixtures.temporaryDirectory("corpus-cap")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = (0..<50).map { "Fortune number \($0)." }.joined(separator: "\n%\n")
        try text.write(toFile: dir + "/many", atomically: true, encoding: .utf8)
        var builder = CorpusBuilder()
        builder.fortunes = [.init(directory: dir, language: "de", source: "fortunes-de")]
        builder.maxDocsPerGenre = 10
        let corpus = try builder.build()
        XCTAssertEqual(corpus.documents.count, 10)
        XCTAssertEqual(corpus.manifest.genres, ["de/many"])
        XCTAssertEqual(Set(corpus.documents.map(\.id)).count, 10)
    }

    func testCodeChunksCutAtBlankLinesAfterTheTarget() {
        let source = (0..<20).map { "line \($0) " + String(repeating: "x", count: 20) }.joined(separator: "\n\n")
        let chunks = CorpusBuilder.codeChunks(source, target: 100)
        XCTAssertGreaterThan(chunks.count, 3)
        XCTAssertTrue(chunks.allSatisfy { $0.count >= 90 || $0 == chunks.last })
        XCTAssertEqual(chunks.joined(separator: "\n\n"), source, "nothing lost")
    }

    func testEmptyOrBrokenCorpusIsRejected() throws {
        let dir = try HarvestFixtures.temporaryDirectory("corpus-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let empty = Corpus(documents: [], seed: 0, provenance: [:])
        try empty.write(to: dir)
        XCTAssertThrowsError(try Corpus.read(from: dir)) { error in
            XCTAssertEqual("\(error)", "\(dir)/documents.jsonl: the corpus has no documents, expected at least one")
        }
        XCTAssertThrowsError(try Corpus.read(from: dir + "/nowhere")) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(dir)/nowhere/corpus.json: cannot read; a corpus directory needs"), "\(error)")
        }
        try "{\"id\": 1}\n".write(toFile: dir + "/documents.jsonl", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Corpus.read(from: dir)) { error in
            XCTAssertTrue("\(error)".contains("documents.jsonl: line 1 is not a document"), "\(error)")
        }
    }
}
