// Identifier: the slug syntax shared by workspace and agent ids (`[A-Za-z0-9_-]{1,64}`, as
// PRODUCT.md specifies for agents) and the check for human-entered names (1–64 characters, no
// control or line-separator characters), so every store validates the same way.

/// Syntax checks for ids and display names.
public enum Identifier {
    /// Whether `text` is a slug: 1–64 of `A–Z a–z 0–9 _ -`.
    public static func isSlug(_ text: String) -> Bool {
        let bytes = text.utf8
        guard (1...64).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte == 0x2D
        }
    }

    /// Why `name` is not an acceptable display name, or nil when it is: 1–64 characters, no
    /// control characters (Cc) and no line/paragraph separators.
    public static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.count > 64 { return "must be at most 64 characters (got \(name.count))" }
        for (offset, scalar) in name.unicodeScalars.enumerated() {
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                return "must not contain control characters (U+\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex) at scalar \(offset))"
            default:
                continue
            }
        }
        return nil
    }
}
