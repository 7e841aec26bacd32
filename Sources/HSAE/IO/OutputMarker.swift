import Foundation

/// `.hsae-output.json`: the small manifest a command leaves in the directory it wrote, naming the
/// command and the top-level entries it owns there. It is what lets a later run of the same
/// command replace (`--force`) or continue (`train --resume`, `sweep`) that directory, and only
/// those entries (`OutputDirectory`). Written before the entries it lists, so an interrupted
/// command still leaves its directory marked as its own.
public struct OutputMarker: Codable, Equatable, Sendable {
    public static let fileName = ".hsae-output.json"
    public static let formatName = "hsae-output"

    public var format = OutputMarker.formatName
    public var version = 1
    /// The hsae command that wrote the directory (`synth`, `train`, …).
    public var command: String
    /// Top-level names inside the directory that the command wrote (a directory counts whole).
    public var files: [String]

    public init(command: OutputDirectory.Command, files: [String]) {
        self.command = command.rawValue
        self.files = Array(Set(files)).filter { $0 != Self.fileName }.sorted()
    }

    /// The marker of `directory`, nil when it has none. A marker that is not one (damaged, or some
    /// other program's file of that name) is an error naming it: the directory is then nobody's.
    public static func read(in directory: String) throws -> OutputMarker? {
        let path = directory + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path),
              let marker = try? JSONFormat.decoder().decode(OutputMarker.self, from: data),
              marker.format == formatName, marker.version == 1,
              marker.files.allSatisfy({ !$0.isEmpty && !$0.contains("/") && $0 != "." && $0 != ".." }) else {
            throw HSAEError.badInput(path: path, message: "is not a valid hsae output marker (expected JSON with format "
                + "'\(formatName)', version 1, command and files); the directory is treated as not written by hsae")
        }
        return marker
    }

    /// Writes the marker into `directory` (atomically).
    public func write(in directory: String) throws {
        try AtomicFile.write(try JSONFormat.encoder(.pretty).encode(self), to: directory + "/" + Self.fileName)
    }
}
