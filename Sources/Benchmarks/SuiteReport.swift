import Foundation

/// The suite's Markdown report, built section by section; progress goes to stderr as it runs.
final class SuiteReport {
    private(set) var markdown = ""

    func heading(_ text: String) { markdown += "\n## \(text)\n\n" }
    func line(_ text: String) { markdown += text + "\n" }
    func table(_ table: MarkdownTable) { markdown += "\n" + table.render() + "\n" }

    /// A timestamped progress line on stderr (stdout carries only the report).
    static func progress(_ text: String) {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        let stamp = String(format: "%02d:%02d:%02d", parts.tm_hour, parts.tm_min, parts.tm_sec)
        FileHandle.standardError.write(Data("[suite \(stamp)] \(text)\n".utf8))
    }
}
