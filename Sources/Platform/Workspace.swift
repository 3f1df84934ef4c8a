// Workspace: the tenant boundary. Every row of the platform belongs to exactly one workspace and
// no query crosses workspaces; a workspace named `default` exists from the first open.

/// A workspace (tenant).
public struct Workspace: Sendable, Hashable {
    /// The id of the workspace created on first open.
    public static let defaultID = "default"

    /// Slug id (`[A-Za-z0-9_-]{1,64}`).
    public let id: String
    /// Display name.
    public let name: String
    /// Creation time, Unix milliseconds.
    public let createdAt: Int64

    public init(id: String, name: String, createdAt: Int64) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}
