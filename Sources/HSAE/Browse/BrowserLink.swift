import Foundation

/// Where a run's feature browser lives, and how a report elsewhere links to it.
public enum BrowserLink {
    /// The default site directory of a run directory: RUN/site.
    public static func defaultSite(run: String) -> String { run + "/site" }

    /// The path from `directory` to the run's browser index (relative, so the link survives
    /// moving the whole tree), or nil when the run has no browser.
    public static func index(of run: String, from directory: String) -> String? {
        let target = defaultSite(run: run) + "/" + FeatureSite.indexName
        guard FileManager.default.fileExists(atPath: target) else { return nil }
        return relativePath(to: target, from: directory)
    }

    /// `to` relative to the directory `from` (both made absolute and standardised first).
    public static func relativePath(to: String, from: String) -> String {
        func parts(_ p: String) -> [String] {
            URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().pathComponents.filter { $0 != "/" }
        }
        let a = parts(to), b = parts(from)
        var common = 0
        while common < min(a.count, b.count), a[common] == b[common] { common += 1 }
        let up = [String](repeating: "..", count: b.count - common)
        return (up + a[common...]).joined(separator: "/")
    }
}
