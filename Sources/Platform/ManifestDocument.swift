// ManifestDocument: one manifest file, parsed and validated on its own. A manifest is a JSON
// object with up to four sections, each mapping ids to specs:
//
//     { "credentials":      { "github": { "kind": "bearer_token", "from_env": "GITHUB_TOKEN" } },
//       "model_providers":  { "anthropic": { "kind": "anthropic", "api_key_env": "ANTHROPIC_API_KEY" } },
//       "upstream_servers": { "time": { "transport": "stdio", "command": "mcp-server-time" } },
//       "agents":           { "clock": { "name": "Clock", "model": "scripted/demo", … } } }
//
// Secrets never live in a manifest: a credential names the environment variable to read at apply
// time. Ids are object keys, so our strict parser already refuses a duplicate id within a file.

import JSON

/// A credential a manifest asks for: its value comes from an environment variable.
public struct ManifestCredential: Sendable, Hashable {
    public let kind: String
    public let environmentVariable: String
}

/// One parsed manifest file.
public struct ManifestDocument: Sendable {
    /// Where it came from (for messages).
    public let file: String
    public private(set) var credentials: [(id: String, spec: ManifestCredential)] = []
    public private(set) var modelProviders: [(id: String, spec: ModelProviderSpec)] = []
    public private(set) var upstreamServers: [(id: String, spec: UpstreamServerSpec)] = []
    public private(set) var agents: [(id: String, spec: AgentSpec)] = []

    /// Largest manifest file accepted.
    public static let maxBytes = 4 << 20

    /// Parses `bytes` (the contents of `file`). Throws `ManifestError` listing every problem as
    /// `file: $.path: reason`.
    public static func parse(_ bytes: [UInt8], file: String) throws(ManifestError) -> ManifestDocument {
        guard bytes.count <= maxBytes else {
            throw ManifestError([ValidationIssue(path: "$", reason: "file is \(bytes.count) bytes; the limit is \(maxBytes)")], file: file)
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes, limits: .init(maxDepth: 64, maxBytes: maxBytes))
        } catch {
            throw ManifestError([ValidationIssue(path: "$", reason: "not valid JSON: \(error)")], file: file)
        }
        var document = ManifestDocument(file: file)
        let issues = ValidationIssues()
        let reader = SpecReader(json, issues: issues)
        let sections = ["credentials", "model_providers", "upstream_servers", "agents"]
        for section in sections {
            guard let value = reader.value(section) else { continue }
            guard case .object(let members) = value else {
                issues.add(reader.path(section), "must be an object mapping ids to definitions (got \(value.typeName))")
                continue
            }
            for (id, spec) in members {
                let path = SpecReader.path(reader.path(section), id)
                if !Identifier.isSlug(id) {
                    issues.add(path, "id must be 1–64 of A–Z a–z 0–9 _ -")
                    continue
                }
                do throws(PlatformError) {
                    switch section {
                    case "credentials":
                        if let credential = Self.credential(spec, path: path, issues: issues) { document.credentials.append((id, credential)) }
                    case "model_providers": document.modelProviders.append((id, try ModelProviderSpec.parse(spec, path: path)))
                    case "upstream_servers": document.upstreamServers.append((id, try UpstreamServerSpec.parse(spec, path: path)))
                    default: document.agents.append((id, try AgentSpec.parse(spec, path: path)))
                    }
                } catch {
                    if case .invalid(let found) = error {
                        for issue in found { issues.add(issue.path, issue.reason) }
                    } else {
                        issues.add(path, error.description)
                    }
                }
            }
        }
        if case .object = json, reader.keys.isEmpty { issues.add("$", "an empty manifest; expected one of \(sections.joined(separator: ", "))") }
        reader.finish()
        if !issues.isEmpty { throw ManifestError(issues.all, file: file) }
        return document
    }

    private static func credential(_ value: JSONValue, path: String, issues: ValidationIssues) -> ManifestCredential? {
        let reader = SpecReader(value, path: path, issues: issues)
        let kind = reader.slug("kind") ?? "generic"
        let env = reader.string("from_env", required: true, maxLength: 128)
        if reader.value("secret") != nil || reader.value("value") != nil {
            issues.add(path, "secrets never go in a manifest; name the environment variable that holds it with from_env")
        }
        reader.finish()
        guard let env else { return nil }
        guard ModelProviderSpec.isEnvironmentName(env) else {
            issues.add(reader.path("from_env"), "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)")
            return nil
        }
        return ManifestCredential(kind: kind, environmentVariable: env)
    }
}

/// Every problem found in one manifest file.
public struct ManifestError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let issues: [ValidationIssue]

    public init(_ issues: [ValidationIssue], file: String) {
        self.issues = issues
        self.file = file
    }

    public var description: String {
        issues.map { "\(file): \($0.path): \($0.reason)" }.joined(separator: "\n")
    }
}
