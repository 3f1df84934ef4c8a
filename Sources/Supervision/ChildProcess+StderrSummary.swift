/// A one-line digest of a child's stderr tail for health and error messages.
///
/// Why: "crash loop … last stderr: …" must stay one short line that is safe to put in a JSON
/// string or a log line — no control characters, bounded length — while keeping the part that
/// explains the crash, which is almost always at the end.
extension ChildProcess {
    /// The last `maxLines` non-empty lines of the captured stderr, joined with " | ", control
    /// characters replaced by spaces, cut to the last `maxCharacters` characters (marked "…").
    /// Empty when nothing was captured. The caller decides whether it may be shown (a child can
    /// print anything, secrets included).
    public func stderrSummary(maxLines: Int = 3, maxCharacters: Int = 300) -> String {
        Self.summarize(stderrTail(), maxLines: maxLines, maxCharacters: maxCharacters)
    }

    static func summarize(_ bytes: [UInt8], maxLines: Int, maxCharacters: Int) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map { line in
                String(line.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
                    .trimmingSpaces()
            }
            .filter { !$0.isEmpty }
        let joined = lines.suffix(max(1, maxLines)).joined(separator: " | ")
        guard joined.count > maxCharacters else { return joined }
        return "…" + joined.suffix(max(0, maxCharacters - 1))
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " || scalars.first == "\t" { scalars.removeFirst() }
        while scalars.last == " " || scalars.last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
