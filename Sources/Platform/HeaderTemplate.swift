// HeaderTemplate: an HTTP header an admin configures for an upstream (a binding's
// `override_headers`, an http server's `headers`), whose value may reference credentials as
// `${credential:NAME}`. Validation happens when the configuration is written, so nothing that
// could split a request (CR, LF, NUL, other control bytes) or smuggle framing (Content-Length,
// Transfer-Encoding, Host, …) ever reaches the HTTP client; resolution at call time checks the
// secret's bytes too and reports problems by credential name, never by value.

/// A validated header name and a value template.
public struct HeaderTemplate: Sendable, Hashable {
    /// One piece of a value: literal text or a credential reference.
    public enum Part: Sendable, Hashable {
        case literal(String)
        case credential(String)
    }

    /// Header names an override may not set: connection framing and the MCP transport's own.
    public static let reservedNames: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer",
        "proxy-connection", "expect", "mcp-session-id", "mcp-protocol-version", "mcp-method", "mcp-name", "last-event-id",
    ]

    public let name: String
    public let parts: [Part]

    /// The credential names referenced, in order of first use.
    public var credentialNames: [String] { CredentialTemplate(parts: parts).credentialNames }

    /// Parses `name: value`; records issues at `path` (the header's JSON path) and returns nil on
    /// any problem.
    public static func parse(name: String, value: String, path: String, issues: ValidationIssues) -> HeaderTemplate? {
        var ok = true
        if !isToken(name) {
            issues.add(path, "header name must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)")
            ok = false
        } else if reservedNames.contains(name.lowercased()) {
            issues.add(path, "header \(name) cannot be overridden (it belongs to the HTTP or MCP transport)")
            ok = false
        }
        // Header bytes are stricter than CredentialTemplate's, so check them first (a reference
        // name is a slug, so any control byte is in literal text); the reference syntax is shared.
        guard isValidValueText(value) else {
            issues.add(path, "header value must not contain control characters (CR, LF, NUL, …)")
            return nil
        }
        guard let template = CredentialTemplate.parse(value, path: path, issues: issues) else { return nil }
        let parts = template.parts
        if parts.isEmpty {
            issues.add(path, "header value must not be empty")
            ok = false
        }
        return ok ? HeaderTemplate(name: name, parts: parts) : nil
    }

    /// The template written back as text (`Bearer ${credential:github}`).
    public var valueTemplate: String { CredentialTemplate(parts: parts).text }

    /// The value with every reference replaced by `secret(name)`. Throws `ResolutionError` naming
    /// the credential when one is missing or its secret holds bytes not allowed in a header.
    public func resolve(_ secret: (String) throws -> String?) throws -> String {
        var value = ""
        for part in parts {
            switch part {
            case .literal(let text): value += text
            case .credential(let credential):
                guard let resolved = try secret(credential) else { throw ResolutionError.missingCredential(credential, header: name) }
                guard Self.isValidValueText(resolved) else { throw ResolutionError.invalidSecretBytes(credential, header: name) }
                value += resolved
            }
        }
        return value
    }

    /// Why a header could not be resolved; never carries a secret.
    public enum ResolutionError: Error, Sendable, Hashable, CustomStringConvertible {
        case missingCredential(String, header: String)
        case invalidSecretBytes(String, header: String)

        public var description: String {
            switch self {
            case .missingCredential(let name, let header): "header \(header) references credential \"\(name)\", which does not exist"
            case .invalidSecretBytes(let name, let header): "credential \"\(name)\" used in header \(header) contains control characters and cannot be sent"
            }
        }
    }

    /// RFC 9110 token.
    static func isToken(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 256 else { return false }
        return text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"): true
            default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// Field-value text: visible characters, space and tab; no other control bytes; no
    /// leading/trailing whitespace checks here (they are trimmed by receivers anyway).
    static func isValidValueText(_ text: String) -> Bool {
        text.utf8.allSatisfy { byte in byte == 0x09 || (byte >= 0x20 && byte != 0x7F) }
    }
}
