import Glibc

/// Renders rows as an aligned plain-text table for humans (`--json` is for scripts). Widths are
/// counted in characters, and cell text is sanitised so a stored name can never smuggle terminal
/// escape sequences or line breaks into an operator's screen.
struct TextTable {
    let headers: [String]
    private(set) var rows: [[String]] = []

    init(_ headers: String...) {
        self.headers = headers
    }

    mutating func add(_ cells: String...) {
        rows.append(cells.map(Self.clean))
    }

    var rendered: String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (index, cell) in cells.enumerated() {
                let last = index == cells.count - 1
                parts.append(last ? cell : cell + String(repeating: " ", count: widths[index] - cell.count))
            }
            return parts.joined(separator: "  ")
        }
        var out = [line(headers)]
        out += rows.map(line)
        return out.joined(separator: "\n")
    }

    /// Control characters (including ESC, CR, LF) become `?`.
    static func clean(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator, .format: "?"
            default: scalar
            }
        }))
    }
}

/// Unix milliseconds as `2026-11-23T21:16:04Z` (UTC, second precision), or `-` for nil.
func formatTime(_ milliseconds: Int64?) -> String {
    guard let milliseconds else { return "-" }
    var seconds = time_t(milliseconds / 1000)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
}
