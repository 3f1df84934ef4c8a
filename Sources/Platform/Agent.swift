// Agent: what callers get back for an agent — the live row (status, archive flag, current
// version, timestamps) together with the configuration of that current version.

/// An agent and its current configuration.
public struct Agent: Sendable, Hashable {
    /// Slug, unique within the workspace (archived agents keep theirs).
    public let id: String
    public let workspaceID: String
    /// The current version (1 at creation, +1 per changing update).
    public let version: Int
    public let status: AgentStatus
    /// When it was archived (Unix ms), or nil when live.
    public let archivedAt: Int64?
    /// Unix ms.
    public let createdAt: Int64
    /// Unix ms of the last change of any kind (new version, pause, archive, …).
    public let updatedAt: Int64
    /// The configuration of `version`.
    public let spec: AgentSpec

    public init(
        id: String, workspaceID: String, version: Int, status: AgentStatus, archivedAt: Int64?, createdAt: Int64,
        updatedAt: Int64, spec: AgentSpec
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.version = version
        self.status = status
        self.archivedAt = archivedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.spec = spec
    }

    /// Whether the agent is archived (soft-deleted).
    public var isArchived: Bool { archivedAt != nil }
}
