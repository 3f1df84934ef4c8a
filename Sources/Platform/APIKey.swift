// APIKey: the metadata of one API key — everything except the secret, which is shown once at
// creation, and its hash, which never leaves the store. This is what `list` returns.

/// An API key's metadata (never its secret or hash).
public struct APIKey: Sendable, Hashable {
    /// Stable id (`key_…`), used for revocation and as the audit actor.
    public let id: String
    public let workspaceID: String
    public let name: String
    /// Display prefix (`ab_` + the first 6 characters of the secret's random part), so users can
    /// tell keys apart; not unique and not usable for authentication.
    public let prefix: String
    public let scopes: Set<Scope>
    /// The agents this key may use, or nil for every agent in the workspace.
    public let agentIDs: Set<String>?
    /// Unix milliseconds after which the key is refused, or nil for no expiry.
    public let expiresAt: Int64?
    public let createdAt: Int64
    public let lastUsedAt: Int64?
    public let revokedAt: Int64?
    /// Requests per minute this key may make, or nil for the server's default.
    public let rateLimitPerMinute: Int?

    public init(
        id: String, workspaceID: String, name: String, prefix: String, scopes: Set<Scope>,
        agentIDs: Set<String>?, expiresAt: Int64?, createdAt: Int64, lastUsedAt: Int64?, revokedAt: Int64?,
        rateLimitPerMinute: Int? = nil
    ) {
        self.rateLimitPerMinute = rateLimitPerMinute
        self.id = id
        self.workspaceID = workspaceID
        self.name = name
        self.prefix = prefix
        self.scopes = scopes
        self.agentIDs = agentIDs
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    /// Whether the key would authenticate at `now` (not revoked, not expired).
    public func isActive(at now: Int64) -> Bool {
        revokedAt == nil && (expiresAt.map { now < $0 } ?? true)
    }
}
