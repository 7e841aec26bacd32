import Foundation
import XCTest

/// Issue 27, must-show 2 (docs/MODEL-PROTOCOL.md §2): outside a model's own files
/// (Sources/HSAE/Model/ and Sources/Launcher/Models/), no source file names a particular layer.
/// This is §2's grep, run on the tree the test was built from.
final class LayerNameTests: XCTestCase {
    static let names = ["topDecoder", "lambda2", "code2", "usesTop", "isBaseline", "matryoshkaGroups"]
    static let exempt = ["Sources/HSAE/Model/", "Sources/Launcher/Models/"]

    /// The package root: this file is Tests/HSAETests/LayerNameTests.swift.
    var root: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    /// Every "path:line: text" of a Swift file under Sources/ outside the exempt folders that names a layer.
    func hits(under root: URL) throws -> [String] {
        let sources = root.appendingPathComponent("Sources")
        guard let walk = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil) else { return ["cannot list \(sources.path)"] }
        var found: [String] = []
        for case let url as URL in walk where url.pathExtension == "swift" {
            let relative = String(url.path.dropFirst(root.path.count + 1))
            if Self.exempt.contains(where: relative.hasPrefix) { continue }
            let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            for (n, line) in lines.enumerated() where Self.names.contains(where: line.contains) {
                found.append("\(relative):\(n + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        return found.sorted()
    }

    func testNoSourceOutsideAModelNamesALayer() throws {
        let sources = root.appendingPathComponent("Sources/HSAE/Model/Architecture.swift")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: sources.path), "the sources are not beside the test (\(root.path))")
        let found = try hits(under: root)
        XCTAssertEqual(found, [], "layer names outside Sources/HSAE/Model/ and Sources/Launcher/Models/:\n" + found.joined(separator: "\n"))
    }

    /// The check can fail: a file outside the exempt folders that names a layer is found, one inside is not.
    func testTheCheckFindsAPlantedName() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layer-names-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        for (folder, text) in [("Sources/HSAE/Eval", "let w = model.topDecoder\nlet ok = 1\n"),
                               ("Sources/HSAE/Model", "let w = model.topDecoder\n"),
                               ("Sources/Launcher/Models", "let g = c.matryoshkaGroups\n"),
                               ("Sources/Launcher", "guard !c.isBaseline\n")] {
            let dir = scratch.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try text.write(to: dir.appendingPathComponent("F.swift"), atomically: true, encoding: .utf8)
        }
        XCTAssertEqual(try hits(under: scratch), ["Sources/HSAE/Eval/F.swift:1: let w = model.topDecoder",
                                                  "Sources/Launcher/F.swift:1: guard !c.isBaseline"])
    }
}
