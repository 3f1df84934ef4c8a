/// Renders rows of text as a GitHub-flavoured Markdown table with aligned columns.
///
/// Aligned source is readable in a terminal and in a commit message as well as rendered.
struct MarkdownTable {
    var header: [String]
    /// `true` for columns whose cells are right-aligned (numbers).
    var rightAligned: [Bool]
    var rows: [[String]] = []

    init(_ columns: [(String, rightAligned: Bool)]) {
        header = columns.map(\.0)
        rightAligned = columns.map(\.rightAligned)
    }

    mutating func add(_ cells: [String]) { rows.append(cells) }

    func render() -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                parts.append(rightAligned[i] ? pad + cell : cell + pad)
            }
            return "| " + parts.joined(separator: " | ") + " |"
        }
        let rule = "|" + widths.indices.map { i in
            rightAligned[i] ? String(repeating: "-", count: widths[i] + 1) + ":" : ":" + String(repeating: "-", count: widths[i] + 1)
        }.joined(separator: "|") + "|"
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
    }
}
