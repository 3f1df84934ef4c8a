// PlatformError: how a platform operation is refused, in the few shapes every surface knows how
// to render (MCP: −32602 / tool error; HTTP: 400/403/404/409; CLI: exit 1 with the message).
// Validation failures carry the JSON path of the offending field so a manifest author, a CLI user
// and an MCP client all read the same precise sentence.

/// A refused platform operation.
public enum PlatformError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Input failed validation; each issue names a JSON path (`$.bindings[0].timeout_s`).
    case invalid([ValidationIssue])
    /// The principal lacks the scope the action needs (safe to tell: depends only on the caller).
    case forbidden(Scope)
    /// No such object visible to the caller. Rendered identically whether it is missing, in
    /// another workspace, or outside an agent restriction.
    case notFound(kind: ObjectRef.Kind, id: String)
    /// The operation conflicts with the current state (e.g. the id is taken, the approval is
    /// already decided, the credential is still referenced).
    case conflict(String)

    public var description: String {
        switch self {
        case .invalid(let issues): issues.map(\.description).joined(separator: "; ")
        case .forbidden(let scope): "forbidden: this action requires the \(scope.rawValue) scope"
        case .notFound(let kind, let id): "\(kind.displayName) \"\(id)\" not found"
        case .conflict(let message): message
        }
    }

    /// A single validation issue.
    public static func invalid(_ path: String, _ reason: String) -> PlatformError {
        .invalid([ValidationIssue(path: path, reason: reason)])
    }
}

/// One problem with one field of some input.
public struct ValidationIssue: Error, Sendable, Hashable, CustomStringConvertible {
    /// JSON path of the field, `$` for the whole document.
    public let path: String
    /// What is wrong, in words a person can act on.
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

extension ObjectRef.Kind {
    /// The noun used in messages ("agent", "upstream server", …).
    public var displayName: String {
        switch self {
        case .workspace: "workspace"
        case .apiKey: "API key"
        case .agent: "agent"
        case .upstreamServer: "upstream server"
        case .modelProvider: "model provider"
        case .credential: "credential"
        case .session: "session"
        case .run: "run"
        case .approval: "approval"
        case .auditRecord: "audit record"
        }
    }
}
