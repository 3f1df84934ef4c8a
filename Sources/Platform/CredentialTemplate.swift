// CredentialTemplate: a configured text value (a stdio upstream's environment variable) that may
// reference vault credentials as `${credential:NAME}`, with the same reference syntax as
// HeaderTemplate. It is validated when the configuration is written: NUL, CR, LF and other
// control characters (tab excepted) are refused, because an environment value carrying them
// breaks the child's environment or smuggles extra lines into whatever the tool writes. At launch
// time `resolve` substitutes the secrets and refuses one that holds a NUL (which cannot be passed
// through execve), naming the credential, never its value.

/// A text value with optional `${credential:NAME}` references.
public struct CredentialTemplate: Sendable, Hashable {
    /// Literal text or a credential reference (shared with `HeaderTemplate`).
    public typealias Part = HeaderTemplate.Part

    public let parts: [Part]

    public init(parts: [Part]) {
        self.parts = parts
    }

    /// The credential names referenced, in order of first use.
    public var credentialNames: [String] {
        var seen: Set<String> = []
        return parts.compactMap { part in
            if case .credential(let name) = part, seen.insert(name).inserted { return name }
            return nil
        }
    }

    /// The template written back as text (`token=${credential:github}`).
    public var text: String {
        parts.map { part in
            switch part {
            case .literal(let text): text
            case .credential(let name): "${credential:\(name)}"
            }
        }.joined()
    }

    /// Parses `value`; records issues at `path` and returns nil on any problem. An empty value is
    /// allowed (an empty environment variable is meaningful). A `$` not followed by `{` is literal.
    public static func parse(_ value: String, path: String, issues: ValidationIssues) -> CredentialTemplate? {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(value)
        while !rest.isEmpty {
            if rest.hasPrefix("${") {
                guard let close = rest.firstIndex(of: "}") else {
                    issues.add(path, "unterminated ${…} reference")
                    return nil
                }
                let inner = rest[rest.index(rest.startIndex, offsetBy: 2)..<close]
                let name = String(inner.dropFirst("credential:".count))
                guard inner.hasPrefix("credential:"), Identifier.isSlug(name) else {
                    issues.add(path, "references must look like ${credential:NAME} with NAME of A–Z a–z 0–9 _ - (got ${\(inner)})")
                    return nil
                }
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                parts.append(.credential(name))
                rest = rest[rest.index(after: close)...]
            } else {
                literal.append(rest.removeFirst())
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        for case .literal(let text) in parts where !isValidText(text) {
            issues.add(path, "must not contain control characters (NUL, CR, LF, …)")
            return nil
        }
        return CredentialTemplate(parts: parts)
    }

    /// The value with every reference replaced by `secret(name)`. Throws `ResolutionError` naming
    /// the credential when it is missing or its secret contains a NUL byte.
    public func resolve(_ secret: (String) throws -> String?) throws -> String {
        var value = ""
        for part in parts {
            switch part {
            case .literal(let text): value += text
            case .credential(let name):
                guard let resolved = try secret(name) else { throw ResolutionError.missingCredential(name) }
                guard !resolved.utf8.contains(0) else { throw ResolutionError.invalidSecretBytes(name) }
                value += resolved
            }
        }
        return value
    }

    /// Why a template could not be resolved; never carries a secret.
    public enum ResolutionError: Error, Sendable, Hashable, CustomStringConvertible {
        case missingCredential(String)
        case invalidSecretBytes(String)

        public var description: String {
            switch self {
            case .missingCredential(let name): "credential \"\(name)\" is referenced but does not exist"
            case .invalidSecretBytes(let name): "credential \"\(name)\" contains a NUL byte and cannot be used in an environment variable"
            }
        }
    }

    /// Tab is allowed; every other C0 control, DEL, and the C1 / line-separator range are not.
    static func isValidText(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            if scalar == "\t" { return true }
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator: return false
            default: return true
            }
        }
    }
}
