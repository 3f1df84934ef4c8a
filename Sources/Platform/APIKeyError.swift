// APIKeyError: why an API key operation was refused. Messages name the field and the rule.

/// A refused API key operation.
public enum APIKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidName(String)
    case noScopes
    case invalidAgentID(String)
    case emptyAgentRestriction
    case invalidRateLimit(Int)
    case expiryNotInFuture(expiresAt: Int64, now: Int64)
    /// The workspace does not exist.
    case workspaceNotFound(String)
    /// No key with this id in this workspace (also when it exists in another workspace).
    case notFound(String)
    /// A stored row could not be read back (e.g. a scope this build does not know).
    case corruptRow(id: String, reason: String)

    public var description: String {
        switch self {
        case .invalidName(let problem): "invalid key name: \(problem)"
        case .noScopes: "a key needs at least one scope"
        case .invalidAgentID(let id): "invalid agent id \"\(id)\": expected 1–64 of A–Z a–z 0–9 _ -"
        case .emptyAgentRestriction: "an agent restriction must name at least one agent (omit it for all agents)"
        case .invalidRateLimit(let value): "invalid rate limit \(value): expected 1–1000000 requests per minute"
        case .expiryNotInFuture(let expiresAt, let now): "expiry \(expiresAt) is not in the future (now \(now))"
        case .workspaceNotFound(let id): "workspace \"\(id)\" not found"
        case .notFound(let id): "API key \"\(id)\" not found"
        case .corruptRow(let id, let reason): "API key \"\(id)\" cannot be read: \(reason)"
        }
    }
}
