// CredentialReferences: who uses a credential, read from `credential_refs` — the index every
// referrer (an agent's current version, an upstream server's spec) rewrites in the same
// transaction as its own change. It backs "refuse to delete a credential that is still in use"
// and the `referencedBy` query, and gives the agent store the same helper to maintain its rows.
// Agent ids outside a restricted caller's agents are counted, never named.

import Storage

/// The referrers of one credential, as visible to one caller.
public struct CredentialReferences: Sendable, Hashable {
    /// Agents (current version of a live agent) that reference the credential, sorted.
    public let agentIDs: [String]
    /// Referencing agents the caller may not see (agent-restricted keys), counted only.
    public let hiddenAgentCount: Int
    /// Upstream servers whose spec references the credential, sorted.
    public let serverIDs: [String]

    public init(agentIDs: [String], hiddenAgentCount: Int = 0, serverIDs: [String]) {
        self.agentIDs = agentIDs
        self.hiddenAgentCount = hiddenAgentCount
        self.serverIDs = serverIDs
    }

    /// Whether nothing references the credential.
    public var isEmpty: Bool { agentIDs.isEmpty && hiddenAgentCount == 0 && serverIDs.isEmpty }

    /// `agents support, triage and servers gh` (empty when nothing references it).
    public var summary: String {
        var groups: [String] = []
        var agents = agentIDs
        if hiddenAgentCount > 0 { agents.append("\(hiddenAgentCount) other\(hiddenAgentCount == 1 ? "" : "s") not visible to you") }
        if !agents.isEmpty { groups.append("agents " + agents.joined(separator: ", ")) }
        if !serverIDs.isEmpty { groups.append("servers " + serverIDs.joined(separator: ", ")) }
        return groups.joined(separator: " and ")
    }

    // MARK: - credential_refs rows

    /// Who references a referrer: `agent` or `server` (the `referrer_kind` column).
    enum ReferrerKind: String {
        case agent, server
    }

    /// The references to `name` in `workspace`, with agents outside `principal`'s restriction
    /// counted but not named.
    static func load(name: String, workspace: String, principal: Principal, in connection: Connection) throws -> CredentialReferences {
        let rows = try connection.query(
            """
            SELECT referrer_kind, referrer_id FROM credential_refs
            WHERE workspace_id = ? AND credential_name = ? ORDER BY referrer_kind, referrer_id
            """,
            [.text(workspace), .text(name)])
        var agents: [String] = []
        var hidden = 0
        var servers: [String] = []
        for row in rows {
            let id = try row.string("referrer_id")
            switch try row.string("referrer_kind") {
            case ReferrerKind.agent.rawValue:
                if principal.mayUse(agent: id) { agents.append(id) } else { hidden += 1 }
            default:
                servers.append(id)
            }
        }
        return CredentialReferences(agentIDs: agents, hiddenAgentCount: hidden, serverIDs: servers)
    }

    /// Replaces the references made by one referrer with `names` (call inside the referrer's
    /// write transaction; an empty list just removes them).
    static func replace(
        referrer kind: ReferrerKind, id: String, workspace: String, names: [String], in connection: Connection
    ) throws {
        try connection.execute(
            "DELETE FROM credential_refs WHERE workspace_id = ? AND referrer_kind = ? AND referrer_id = ?",
            [.text(workspace), .text(kind.rawValue), .text(id)])
        for name in Set(names).sorted() {
            try connection.execute(
                "INSERT INTO credential_refs (workspace_id, credential_name, referrer_kind, referrer_id) VALUES (?, ?, ?, ?)",
                [.text(workspace), .text(name), .text(kind.rawValue), .text(id)])
        }
    }
}
