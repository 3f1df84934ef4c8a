// PromptTemplate: an agent's instructions as literal text and `{{variable}}` placeholders, parsed
// once when the spec is written so a typo (`{{user name}}`, a missing `}}`) is reported with its
// line instead of reaching a model verbatim. Spaces just inside the braces are allowed
// (`{{ topic }}`); there is no escaping and no logic — values are substituted as plain text and
// never re-scanned, so a value containing `{{x}}` stays literal.

/// Instructions with `{{name}}` placeholders.
public struct PromptTemplate: Sendable, Hashable {
    /// One piece of the template.
    public enum Part: Sendable, Hashable {
        case literal(String)
        case variable(String)
    }

    /// What a placeholder name must look like (for messages).
    public static let nameSyntax = "[A-Za-z_][A-Za-z0-9_]{0,63}"

    /// The source text.
    public let text: String
    /// Literal runs and placeholders, in order.
    public let parts: [Part]

    /// The distinct placeholder names, in order of first use.
    public var variables: [String] {
        var seen: Set<String> = []
        return parts.compactMap { part in
            if case .variable(let name) = part, seen.insert(name).inserted { return name }
            return nil
        }
    }

    /// Parses `text`, recording every problem at `path`; nil when there was any.
    public static func parse(_ text: String, path: String, issues: ValidationIssues) -> PromptTemplate? {
        let scalars = Array(text.unicodeScalars)
        var parts: [Part] = []
        var literal = String.UnicodeScalarView()
        var ok = true
        var index = 0
        var line = 1
        func flush() {
            if !literal.isEmpty { parts.append(.literal(String(literal))); literal = String.UnicodeScalarView() }
        }
        while index < scalars.count {
            guard scalars[index] == "{", index + 1 < scalars.count, scalars[index + 1] == "{" else {
                if scalars[index] == "\n" { line += 1 }
                literal.append(scalars[index])
                index += 1
                continue
            }
            var close = index + 2
            while close + 1 < scalars.count, !(scalars[close] == "}" && scalars[close + 1] == "}") { close += 1 }
            guard close + 1 < scalars.count else {
                issues.add(path, "unterminated \"{{\" on line \(line) (a placeholder must be closed with \"}}\")")
                ok = false
                break
            }
            let inner = scalars[(index + 2)..<close]
            let name = String(String.UnicodeScalarView(trimmingSpaces(inner)))
            if isName(name) {
                flush()
                parts.append(.variable(name))
            } else {
                let shown = String(String.UnicodeScalarView(inner))
                issues.add(path, "placeholder on line \(line) must be {{name}} with name matching \(nameSyntax) (got \"{{\(shown)}}\")")
                ok = false
            }
            line += inner.filter { $0 == "\n" }.count
            index = close + 2
        }
        flush()
        return ok ? PromptTemplate(text: text, parts: parts) : nil
    }

    /// The text with every placeholder replaced by `values[name]`; placeholders without a value
    /// become empty and are listed in `missing` (distinct, in order).
    public func render(_ values: [String: String]) -> (text: String, missing: [String]) {
        var output = ""
        var missing: [String] = []
        for part in parts {
            switch part {
            case .literal(let text): output += text
            case .variable(let name):
                if let value = values[name] {
                    output += value
                } else if !missing.contains(name) {
                    missing.append(name)
                }
            }
        }
        return (output, missing)
    }

    /// Whether `name` matches `[A-Za-z_][A-Za-z0-9_]{0,63}`.
    public static func isName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        func letter(_ byte: UInt8) -> Bool { (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F }
        guard letter(bytes[0]) else { return false }
        return bytes.dropFirst().allSatisfy { letter($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    private static func trimmingSpaces(_ scalars: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        var slice = scalars
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return slice
    }
}
