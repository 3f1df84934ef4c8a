// Credential: the metadata of one vault credential. The secret is write-only: it goes in through
// `CredentialStore.set`, is stored sealed, and comes out only through the runtime resolver
// `CredentialStore.secret(workspace:name:)` — this type deliberately has no field that could hold
// it, so no listing, API response or log line can carry it by accident.

/// A credential's metadata (never its secret).
public struct Credential: Sendable, Hashable {
    /// Slug name, unique within the workspace; referenced as `${credential:NAME}`.
    public let name: String
    public let workspaceID: String
    /// Free-form slug describing the secret (`generic`, `bearer`, `api_key`, …).
    public let kind: String
    /// Unix milliseconds of the first `set`.
    public let createdAt: Int64
    /// Unix milliseconds of the last rotation, or nil if never rotated.
    public let rotatedAt: Int64?

    public init(name: String, workspaceID: String, kind: String, createdAt: Int64, rotatedAt: Int64?) {
        self.name = name
        self.workspaceID = workspaceID
        self.kind = kind
        self.createdAt = createdAt
        self.rotatedAt = rotatedAt
    }
}
