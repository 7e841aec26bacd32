import Foundation

/// This process's resident memory by kind, from /proc/self/status (Linux); nil elsewhere.
/// Anonymous memory is what the program allocated; file-backed pages (the memory-mapped shards)
/// are page cache that the kernel drops under pressure, so they are reported apart.
public enum ProcessMemory {
    /// (anonymous, file-backed, peak total) resident kB.
    public static func resident() -> (anonymousKB: Int, fileKB: Int, peakKB: Int)? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        func value(_ key: String) -> Int? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return nil }
            return line.split(separator: " ").compactMap { Int($0) }.first
        }
        guard let anon = value("RssAnon"), let file = value("RssFile"), let peak = value("VmHWM") else { return nil }
        return (anon, file, peak)
    }

    public static var summary: String {
        guard let r = resident() else { return "" }
        return String(format: "resident: %.0f MB anonymous, %.0f MB mapped files (peak total %.0f MB)",
                      Double(r.anonymousKB) / 1024, Double(r.fileKB) / 1024, Double(r.peakKB) / 1024)
    }
}
