// UpstreamKey: which live upstream connection a call uses. A server's `sharing` mode decides how
// many exist: one per server (`shared`), one per agent, or one per session — the key carries the
// agent or session only when the mode asks for it, so equal keys share a process.

import Platform

/// Identifies one live upstream connection.
public struct UpstreamKey: Sendable, Hashable, CustomStringConvertible {
    public let workspaceID: String
    public let serverID: String
    /// The agent id (per_agent), the session id (per_session), or nil (shared).
    public let scope: String?

    public init(workspaceID: String, serverID: String, scope: String? = nil) {
        self.workspaceID = workspaceID
        self.serverID = serverID
        self.scope = scope
    }

    /// The key for `server` used by `agentID` in `sessionID`, following the server's sharing mode.
    public static func key(for server: UpstreamServer, agentID: String, sessionID: String?) -> UpstreamKey {
        switch server.spec.sharing {
        case .shared: UpstreamKey(workspaceID: server.workspaceID, serverID: server.id)
        case .perAgent: UpstreamKey(workspaceID: server.workspaceID, serverID: server.id, scope: "agent:" + agentID)
        // Without a session (an `/mcp/agents/<id>` caller): one per agent, still stopped when idle —
        // never one process for every agent, which would isolate less than `per_agent`.
        case .perSession: UpstreamKey(workspaceID: server.workspaceID, serverID: server.id, scope: "session:" + (sessionID ?? "none@" + agentID))
        }
    }

    public var description: String { scope.map { "\(serverID) (\($0))" } ?? serverID }
}
