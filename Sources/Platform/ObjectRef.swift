// ObjectRef: the object an action targets, as the policy needs to see it — its kind and id, the
// workspace it lives in and, for objects tied to an agent (the agent itself, its sessions, runs
// and approvals), that agent's id so agent-restricted keys can be checked.

/// The target of an action.
public struct ObjectRef: Sendable, Hashable {
    /// What sort of object this is.
    public enum Kind: String, Sendable, Hashable {
        case workspace, apiKey, agent, upstreamServer, modelProvider, credential, session, run, approval, auditRecord
    }

    public let kind: Kind
    public let id: String
    /// The workspace the object belongs to (as stored).
    public let workspaceID: String
    /// The agent the object belongs to, or nil for objects not tied to an agent.
    public let agentID: String?

    public init(kind: Kind, id: String, workspaceID: String, agentID: String? = nil) {
        self.kind = kind
        self.id = id
        self.workspaceID = workspaceID
        self.agentID = agentID
    }

    /// An agent (its own id is its agent id).
    public static func agent(_ id: String, workspace: String) -> ObjectRef {
        ObjectRef(kind: .agent, id: id, workspaceID: workspace, agentID: id)
    }
}
