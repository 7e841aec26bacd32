/// The report as a list of blocks, built once (`ReportSections`) and rendered twice: as
/// Markdown (report.md, figures left out) and as HTML (report.html, real tables, the plots in
/// their sections). Text may hold `code` spans, which both renderers understand.
enum ReportBlock: Equatable {
    case heading(Int, String)
    case paragraph(String)
    /// The generated "what this says" paragraph.
    case summary(String)
    /// A paragraph a reader must not miss (a warning, a verdict).
    case note(String)
    case table(header: [String], rows: [[String]])
    /// An inline SVG plot with its caption (HTML only).
    case figure(caption: String, svg: String)
    /// A link (HTML: an anchor; Markdown: a link).
    case link(prefix: String, text: String, href: String)
}

enum ReportMarkdown {
    static func render(_ r: EvalReport) -> String {
        var out: [String] = []
        for block in ReportSections.blocks(r) {
            switch block {
            case let .heading(level, text): out += [String(repeating: "#", count: level) + " " + text, ""]
            case let .paragraph(text): out += [text, ""]
            case let .summary(text): out += ["## What this says", "", text, ""]
            case let .note(text): out += ["> **Note.** " + text, ""]
            case let .table(header, rows): out += table(header, rows)
            case .figure: continue
            case let .link(prefix, _, href): out += ["\(prefix)[\(href)](\(href))", ""]
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        guard !rows.isEmpty else { return [] }
        func line(_ cells: [String]) -> String { "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
        return [line(header), line(header.map { _ in "---" })] + rows.map(line) + [""]
    }
}
