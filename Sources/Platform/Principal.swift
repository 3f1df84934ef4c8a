// Principal: who is acting — a workspace, the API key (or the local stdio user), the scopes held
// and the optional agent restriction. Surfaces build one (from `APIKeyStore.authenticate` or
// `Principal.local`) and hand it to `Policy.authorize`; they never check scopes themselves.

/// An authenticated actor.
public struct Principal: Sendable, Hashable {
    /// The only workspace this principal can see.
    public let workspaceID: String
    /// The API key id, or nil for the local (stdio / CLI) user.
    public let keyID: String?
    /// Scopes held (`admin` implies all).
    public let scopes: Set<Scope>
    /// The agents this principal may use, or nil for all agents of the workspace.
    public let agentIDs: Set<String>?
    /// The key's own request rate limit (per minute), or nil for the server's default.
    public let rateLimitPerMinute: Int?

    public init(workspaceID: String, keyID: String?, scopes: Set<Scope>, agentIDs: Set<String>?, rateLimitPerMinute: Int? = nil) {
        self.rateLimitPerMinute = rateLimitPerMinute
        self.workspaceID = workspaceID
        self.keyID = keyID
        self.scopes = scopes
        self.agentIDs = agentIDs
    }

    /// The actor recorded in audit records: the key id, or `local`.
    public var actorID: String { keyID ?? "local" }

    /// Whether the principal holds `scope` (directly or through `admin`).
    public func has(_ scope: Scope) -> Bool { Scope.grants(scopes, scope) }

    /// Whether the agent restriction (if any) allows `agentID`.
    public func mayUse(agent agentID: String) -> Bool { agentIDs?.contains(agentID) ?? true }

    /// The local user of a stdio process or the CLI: every scope, no agent restriction.
    public static func local(workspace: String = Workspace.defaultID) -> Principal {
        Principal(workspaceID: workspace, keyID: nil, scopes: [.admin], agentIDs: nil)
    }
}
