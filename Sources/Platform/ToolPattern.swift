// ToolPattern: one entry of an allow-list — an exact tool name, or a glob where `*` matches any
// run of characters (including none) and `?` exactly one. Nothing else is special, so tool names
// containing `.`, `/` or `-` match literally. Matching is on Unicode scalars and never backtracks
// exponentially (the classic two-pointer algorithm, linear in practice).

/// An allow-list entry.
public struct ToolPattern: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    private let scalars: [Unicode.Scalar]
    /// Whether the pattern has any `*` or `?`.
    public let isGlob: Bool

    public init(_ text: String) {
        self.text = text
        self.scalars = Array(text.unicodeScalars)
        self.isGlob = text.contains("*") || text.contains("?")
    }

    public var description: String { text }

    /// Whether `name` is allowed by this entry.
    public func matches(_ name: String) -> Bool {
        guard isGlob else { return name == text }
        let subject = Array(name.unicodeScalars)
        var p = 0, s = 0
        var star = -1, resume = 0
        while s < subject.count {
            if p < scalars.count && (scalars[p] == "?" || scalars[p] == subject[s]) && scalars[p] != "*" {
                p += 1; s += 1
            } else if p < scalars.count && scalars[p] == "*" {
                star = p; resume = s; p += 1
            } else if star >= 0 {
                p = star + 1; resume += 1; s = resume
            } else {
                return false
            }
        }
        while p < scalars.count && scalars[p] == "*" { p += 1 }
        return p == scalars.count
    }

    /// Whether any of `patterns` allows `name` (an empty list allows nothing: default deny).
    public static func allows(_ patterns: [ToolPattern], _ name: String) -> Bool {
        patterns.contains { $0.matches(name) }
    }
}
