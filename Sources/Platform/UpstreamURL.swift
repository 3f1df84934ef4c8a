// UpstreamURL: the syntax check for an http upstream's `url`. Deliberately narrower than RFC 3986:
// only http and https, a host must be present, no userinfo (credentials in a URL end up in logs,
// process listings and error messages — they belong in headers as ${credential:NAME}), no
// fragment (meaningless to a server), and nothing but printable ASCII so what is stored is
// exactly what is sent. An upstream's path and query may reference credentials as
// ${credential:NAME} (services that take their key as a query parameter): what is stored and
// shown is the reference, and the value is put in, percent-encoded, for each connection.

/// Validation of upstream endpoint URLs.
public enum UpstreamURL {
    /// Longest accepted URL, in bytes.
    public static let maxLength = 2048

    /// Why `url` is not acceptable, or nil when it is.
    public static func problem(_ url: String) -> String? {
        if url.isEmpty { return "must not be empty" }
        if url.utf8.count > maxLength { return "must be at most \(maxLength) characters (got \(url.utf8.count))" }
        for byte in url.utf8 {
            if byte <= 0x20 || byte == 0x7F { return "must not contain whitespace or control characters" }
            if byte >= 0x80 { return "must be ASCII (percent-encode other characters; use punycode for host names)" }
        }
        let rest: Substring
        if url.hasPrefix("https://") {
            rest = url.dropFirst("https://".count)
        } else if url.hasPrefix("http://") {
            rest = url.dropFirst("http://".count)
        } else {
            return "must start with http:// or https://"
        }
        if url.contains("#") { return "must not contain a fragment (#…)" }
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        if authority.contains("@") {
            return "must not contain credentials (user:pass@); put credentials in headers with ${credential:NAME}"
        }
        return hostProblem(authority)
    }

    /// `problem(_:)` for an upstream's URL, whose path and query may reference credentials
    /// (`${credential:NAME}`): references are checked as `CredentialTemplate` checks them, may
    /// not stand in the scheme or the host, and the URL with each one standing for a plain value
    /// must pass `problem`.
    public static func templateProblem(_ url: String) -> String? {
        guard url.contains("${") else { return problem(url) }
        let issues = ValidationIssues()
        guard let template = CredentialTemplate.parse(url, path: "", issues: issues) else {
            return issues.all.first?.reason ?? "has an invalid ${credential:NAME} reference"
        }
        guard case .literal(let head)? = template.parts.first,
              let scheme = ["https://", "http://"].first(where: { head.hasPrefix($0) }),
              head.dropFirst(scheme.count).contains(where: { $0 == "/" || $0 == "?" })
        else { return "may reference credentials only in its path or query (after the host)" }
        return problem((try? template.resolve { _ in "x" }) ?? url)
    }

    /// The credential references of a URL that passed `templateProblem` (none for a plain URL).
    public static func template(_ url: String) -> CredentialTemplate {
        CredentialTemplate.parse(url, path: "", issues: ValidationIssues()) ?? CredentialTemplate(parts: [.literal(url)])
    }

    /// `value` as it goes into a URL's path or query: every byte but the unreserved ones
    /// (A–Z a–z 0–9 - . _ ~) percent-encoded, so a credential can never end the query
    /// parameter, the path segment or the URL it stands in.
    public static func percentEncoded(_ value: String, uppercase: Bool = true) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: uppercase) + String(byte & 0x0F, radix: 16, uppercase: uppercase)
            }
        }
        return out
    }

    /// Credential `name`'s `value` as it stands in a URL (`percentEncoded`). A value of only dots
    /// is refused: as a path segment, `.` or `..` would move the request to another path.
    public static func credentialValue(_ name: String, _ value: String) throws(UnusableCredential) -> String {
        if !value.isEmpty && value.allSatisfy({ $0 == "." }) { throw UnusableCredential(name: name) }
        return percentEncoded(value)
    }

    /// The spellings of a credential value that an upstream may echo from its URL (raw,
    /// percent-encoded in either case, form-encoded), for redaction.
    public static func spellings(of value: String) -> [String] {
        let encoded = percentEncoded(value)
        return [value, encoded, percentEncoded(value, uppercase: false), encoded.replacingOccurrences(of: "%20", with: "+")]
    }

    /// A credential whose value cannot stand in a URL; names the credential, never the value.
    public struct UnusableCredential: Error, Sendable, CustomStringConvertible {
        public let name: String
        public init(name: String) { self.name = name }
        public var description: String { "credential \"\(name)\" cannot stand in a URL: its value is a dot segment (. or ..)" }
    }

    /// Checks `host[:port]` (host may be an IPv6 literal in brackets).
    private static func hostProblem(_ authority: Substring) -> String? {
        var host: Substring
        var port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return "has an unterminated IPv6 address ([…])" }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return "has unexpected text after the IPv6 address" }
                port = after.dropFirst()
            }
            if host.isEmpty || !host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) {
                return "has an invalid IPv6 address"
            }
        } else {
            if let colon = authority.firstIndex(of: ":") {
                host = authority[..<colon]
                port = authority[authority.index(after: colon)...]
            } else {
                host = authority
            }
            if host.isEmpty { return "must name a host" }
            let allowed = host.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                    UInt8(ascii: "~"), UInt8(ascii: "%"):
                    true
                default: false
                }
            }
            if !allowed { return "has an invalid host name" }
        }
        if let port {
            guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber),
                let number = Int(port), (1...65535).contains(number)
            else { return "has an invalid port (must be 1–65535)" }
        }
        return nil
    }
}
