/// A one-line digest of a child's stderr tail for health and error messages.
///
/// Why: "crash loop … last stderr: …" must stay one short line that is safe to put in a JSON
/// string or a log line — no control characters, bounded length — while keeping the part that
/// explains the crash, which is almost always at the end.
extension ChildProcess {
    /// The last `maxLines` non-empty lines of the captured stderr, joined with " | ", control
    /// characters replaced by spaces, cut to the last `maxCharacters` characters (marked "…").
    /// Empty when nothing was captured. Every occurrence of a `redacting` value becomes
    /// `[redacted]` before anything is cut, so no prefix of a secret survives a cut either; what
    /// else the child printed is the caller's to judge.
    public func stderrSummary(maxLines: Int = 3, maxCharacters: Int = 300, redacting secrets: [String] = []) -> String {
        Self.summarize(stderrTail(), maxLines: maxLines, maxCharacters: maxCharacters, redacting: secrets)
    }

    static func summarize(_ bytes: [UInt8], maxLines: Int, maxCharacters: Int, redacting secrets: [String] = []) -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        // Longest first, so a secret that contains another is masked whole.
        for secret in secrets.filter({ !$0.isEmpty }).sorted(by: { $0.utf8.count > $1.utf8.count }) {
            text = text.replacingAll(secret, with: "[redacted]")
        }
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
    /// `self` with every non-overlapping occurrence of `target` (compared as UTF-8 bytes, so a
    /// secret is found whatever its Unicode normalisation or the characters around it)
    /// replaced, left to right. Shared with the redaction of upstream replies (`UpstreamSecrets`).
    public func replacingAll(_ target: String, with replacement: String) -> String {
        let haystack = Array(utf8), needle = Array(target.utf8)
        guard !needle.isEmpty, haystack.count >= needle.count else { return self }
        var out: [UInt8] = []
        out.reserveCapacity(haystack.count)
        var i = 0
        while i < haystack.count {
            if i + needle.count <= haystack.count, haystack[i] == needle[0], Array(haystack[i..<(i + needle.count)]) == needle {
                out += replacement.utf8
                i += needle.count
            } else {
                out.append(haystack[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    fileprivate func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " || scalars.first == "\t" { scalars.removeFirst() }
        while scalars.last == " " || scalars.last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
