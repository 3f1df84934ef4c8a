import Foundation

/// The value encoding of the 2026 routing headers (`Mcp-Name`, `Mcp-Param-*`).
///
/// Plain visible ASCII without edge whitespace travels verbatim; anything else — and any value
/// that itself looks like an encoded word — travels as `=?base64?<base64 of UTF-8>?=`. The server
/// decodes before comparing with the body, which stays authoritative.
public enum HeaderValue {
    public static func encode(_ value: String) -> String {
        if needsEncoding(value) { return "=?base64?" + Data(value.utf8).base64EncodedString() + "?=" }
        return value
    }

    /// Decodes a header value; nil when the value has characters a header may not carry verbatim
    /// (anything outside visible ASCII and space) or an encoded word is malformed — a −32020 for
    /// the caller. The markers are case-sensitive, as the spec writes them.
    public static func decode(_ raw: String) -> String? {
        guard raw.utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) else { return nil }
        guard raw.hasPrefix("=?base64?"), raw.hasSuffix("?="), raw.utf8.count >= 11 else { return raw }
        let inner = raw.dropFirst(9).dropLast(2)
        guard let data = Data(base64Encoded: String(inner)), let text = String(data: data, encoding: .utf8) else { return nil }
        return text
    }

    static func needsEncoding(_ value: String) -> Bool {
        if value.isEmpty { return false }
        if value.first == " " || value.last == " " || value.first == "\t" || value.last == "\t" { return true }
        if value.lowercased().hasPrefix("=?base64?") { return true }
        return value.utf8.contains { $0 < 0x20 || $0 > 0x7E }
    }
}
