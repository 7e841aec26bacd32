import Foundation

/// Writing and reading the report files.
extension EvalReport {
    public static let jsonName = "report.json", markdownName = "report.md", htmlName = "report.html"

    /// report.json's bytes: snake_case keys, sorted, pretty-printed; NaN/±Inf (which a metric
    /// should never produce; they become nil upstream) would be written as strings, not crash.
    public func jsonData() throws -> Data {
        try JSONFormat.encoder(.report).encode(self)
    }

    /// Reads report.json, refusing a schema this version does not know.
    public static func decode(_ data: Data, path: String = jsonName) throws -> EvalReport {
        let decoder = JSONFormat.decoder(.report)
        do {
            let report = try decoder.decode(EvalReport.self, from: data)
            guard report.schemaVersion == HSAEVersion.reportSchema else {
                throw HSAEError.badInput(path: path, message: "report schema \(report.schemaVersion), this hsae reads \(HSAEVersion.reportSchema)")
            }
            return report
        } catch let error as HSAEError {
            throw error
        } catch {
            throw HSAEError.badInput(path: path, message: "not a valid report: \(error)")
        }
    }

    public func markdown() -> String { ReportMarkdown.render(self) }

    public func html() -> String { ReportHTML.render(self) }

    /// Writes report.json, report.md and report.html into `directory` (created if missing),
    /// each atomically. Call on rank 0 only.
    public func write(to directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw HSAEError.io(path: directory, message: "cannot create the report directory: \(error.localizedDescription)")
        }
        try AtomicFile.write(try jsonData(), to: directory + "/" + Self.jsonName)
        try AtomicFile.write(Data(markdown().utf8), to: directory + "/" + Self.markdownName)
        try AtomicFile.write(Data(html().utf8), to: directory + "/" + Self.htmlName)
    }
}
