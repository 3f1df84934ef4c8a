// Session: one conversation between a user and an agent. A session pins the agent version it
// started with (later agent updates do not change a running conversation), belongs to the user
// named by `userReference` (its owner) and may carry the caller's own `sessionReference`, which is
// unique among the live sessions of one agent in a workspace. Sessions are soft-deleted so their
// runs and events keep a parent row; a deleted session is invisible and frees its reference.

/// Whether a session accepts new runs.
public enum SessionStatus: String, Sendable, Hashable, CaseIterable {
    /// New runs may start.
    case active
    /// Closed by a caller: readable, but no new runs.
    case closed
}

/// A conversation with an agent.
public struct Session: Sendable, Hashable {
    /// Platform-generated id (`ses_…`), unique across workspaces.
    public let id: String
    public let workspaceID: String
    public let agentID: String
    /// The agent version pinned when the session was created.
    public let agentVersion: Int64
    /// The owner: the user this session belongs to.
    public let userReference: String
    /// The caller's own id for this session, unique among live sessions of the agent.
    public let sessionReference: String?
    public let status: SessionStatus
    public let title: String?
    /// The sequence number of the newest event (0 when none).
    public let lastEventSeq: Int64
    /// Unix milliseconds.
    public let createdAt: Int64
    public let updatedAt: Int64
    /// Set when the session was deleted (deleted sessions are never returned by the store).
    public let deletedAt: Int64?

    public init(
        id: String, workspaceID: String, agentID: String, agentVersion: Int64, userReference: String,
        sessionReference: String?, status: SessionStatus, title: String?, lastEventSeq: Int64,
        createdAt: Int64, updatedAt: Int64, deletedAt: Int64?
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.agentID = agentID
        self.agentVersion = agentVersion
        self.userReference = userReference
        self.sessionReference = sessionReference
        self.status = status
        self.title = title
        self.lastEventSeq = lastEventSeq
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deletedAt = deletedAt
    }

    /// The reference the access policy sees.
    public var objectRef: ObjectRef {
        ObjectRef(kind: .session, id: id, workspaceID: workspaceID, agentID: agentID)
    }
}
