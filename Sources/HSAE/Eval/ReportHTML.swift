import Foundation

/// report.html: one self-contained page (inline CSS and SVG, no scripts, no external
/// resources) rendering the report's blocks: what it says and the headline first, real HTML
/// tables, each plot in its section. Wide tables scroll inside their box; plots shrink to the
/// page width, so nothing overlaps at narrow windows.
enum ReportHTML {
    static func render(_ r: EvalReport) -> String {
        let esc = SVGCanvas.escape
        var body: [String] = []
        for block in ReportSections.blocks(r) {
            switch block {
            case let .heading(level, text): body.append("<h\(level)>\(inline(text))</h\(level)>")
            case let .paragraph(text): body.append("<p>\(inline(text))</p>")
            case let .summary(text): body.append("<section class=\"summary\"><h2>What this says</h2><p>\(inline(text))</p></section>")
            case let .note(text): body.append("<p class=\"note\"><b>Note.</b> \(inline(text))</p>")
            case let .table(header, rows): body.append(table(header, rows))
            case let .figure(caption, svg): body.append("<figure>\(svg)<figcaption>\(esc(caption))</figcaption></figure>")
            case let .link(prefix, text, href): body.append("<p>\(esc(prefix))<a href=\"\(esc(href))\">\(esc(text))</a>.</p>")
            }
        }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>HSAE evaluation — \(esc(r.run))</title>
        <style>
        body { font-family: sans-serif; max-width: 1040px; margin: 1.2em auto; padding: 0 16px; color: #222; line-height: 1.4; }
        h1 { margin: 0.2em 0; } h2 { margin: 1.4em 0 0.4em; border-bottom: 1px solid #ddd; } h3 { margin: 1.2em 0 0.3em; }
        .scroll { overflow-x: auto; max-width: 100%; }
        table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.92em; }
        td, th { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; vertical-align: top; }
        th { background: #f2f2f2; border-bottom: 2px solid #bbb; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        .summary { background: #eef4fb; border-left: 4px solid #1f77b4; padding: 2px 14px; margin: 0.8em 0; }
        .summary h2 { border: none; margin: 0.5em 0 0.2em; font-size: 1.15em; }
        .note { background: #fff6d5; padding: 4px 10px; margin: 0.3em 0; }
        figure { margin: 1em 0; } figcaption { color: #555; font-size: 0.9em; max-width: 720px; }
        svg { max-width: 100%; height: auto; } details { margin: 0.4em 0 1em; } summary { cursor: pointer; color: #1f4f7f; } code { font-size: 0.92em; background: #f4f4f4; padding: 0 3px; }
        </style></head><body>
        \(body.joined(separator: "\n"))
        </body></html>

        """
    }

    /// Tables longer than this are folded (`<details>`, closed); report.md has every row.
    static let foldedRows = 12

    /// An HTML table; numeric cells (and the headers of all-numeric columns) right-aligned; wide
    /// tables scroll in their own box.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "" }
        let numeric = header.indices.map { c in rows.allSatisfy { c < $0.count && isNumber($0[c]) } }
        let head = "<tr>" + header.enumerated().map { numeric[$0.offset] ? "<th class=\"num\">\(inline($0.element))</th>" : "<th>\(inline($0.element))</th>" }.joined() + "</tr>"
        let body = rows.map { row in
            "<tr>" + row.map { cell in isNumber(cell) ? "<td class=\"num\">\(inline(cell))</td>" : "<td>\(inline(cell))</td>" }.joined() + "</tr>"
        }
        let html = "<div class=\"scroll\"><table>\n" + ([head] + body).joined(separator: "\n") + "\n</table></div>"
        guard rows.count > foldedRows else { return html }
        return "<details><summary>table: \(rows.count) rows (\(inline(header.joined(separator: ", "))))</summary>\n\(html)\n</details>"
    }

    static func isNumber(_ s: String) -> Bool { s == "—" || Double(s) != nil }

    /// Escaped text with `code` spans as <code>.
    static func inline(_ text: String) -> String {
        let parts = text.components(separatedBy: "`")
        guard parts.count >= 3, parts.count % 2 == 1 else { return SVGCanvas.escape(text) }
        return parts.enumerated().map { $0.offset % 2 == 1 ? "<code>\(SVGCanvas.escape($0.element))</code>" : SVGCanvas.escape($0.element) }.joined()
    }
}
