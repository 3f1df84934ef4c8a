// URLCheck: the rules for a URL an admin configures for an outgoing connection (a model provider,
// an http upstream): http or https only, a host, no user:password (credentials belong in headers
// that reference the vault), no fragment, no whitespace or control characters.

/// Validation of configured outgoing URLs.
public enum URLCheck {
    /// Why `text` is not acceptable, or nil.
    public static func problem(_ text: String) -> String? {
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else {
            return "must start with http:// or https://"
        }
        if text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            return "must not contain spaces or control characters"
        }
        if text.contains("#") { return "must not have a #fragment" }
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        if authority.contains("@") {
            return "must not contain user:password@; put credentials in headers with ${credential:NAME}"
        }
        let host = authority.hasPrefix("[") ? authority.prefix { $0 != "]" }.dropFirst() : authority.prefix { $0 != ":" }
        if host.isEmpty { return "must name a host" }
        if authority.hasPrefix("["), !authority.contains("]") { return "has an unterminated IPv6 address" }
        let afterHost = authority.hasPrefix("[") ? authority.drop { $0 != "]" }.dropFirst() : authority.drop { $0 != ":" }
        if !afterHost.isEmpty {
            guard afterHost.first == ":", let port = Int(afterHost.dropFirst()), (1...65535).contains(port) else {
                return "has an invalid port"
            }
        }
        return nil
    }
}
