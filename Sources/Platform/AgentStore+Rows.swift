// AgentStore+Rows: the SQL behind AgentStore — decoding `agents` ⋈ `agent_versions` rows into
// values, writing versions and `credential_refs`, and checking that a spec's references (upstream
// servers, sub-agents) exist. All helpers take the connection of the caller's transaction.

import JSON
import Storage

extension AgentStore {
    /// The live row joined with its current version's configuration.
    static let agentSelect = """
        SELECT a.workspace_id, a.id, a.version, a.status, a.archived_at, a.created_at, a.updated_at, v.config
        FROM agents a
        JOIN agent_versions v ON v.workspace_id = a.workspace_id AND v.agent_id = a.id AND v.version = a.version
        """

    /// Agent `id` of `workspace`, or nil.
    static func agent(_ connection: Connection, workspace: String, id: String) throws -> Agent? {
        try connection.queryOne(agentSelect + " WHERE a.workspace_id = ? AND a.id = ?", [.text(workspace), .text(id)])
            .map(agent(from:))
    }

    /// The archive state of agent `id`, or nil when there is no such agent (no config decoding).
    static func liveRow(_ connection: Connection, workspace: String, id: String) throws -> (version: Int, archivedAt: Int64?)? {
        guard let row = try connection.queryOne(
            "SELECT version, archived_at FROM agents WHERE workspace_id = ? AND id = ?", [.text(workspace), .text(id)])
        else { return nil }
        return (try row.int("version"), try row.optionalInt64("archived_at"))
    }

    static func agent(from row: Row) throws -> Agent {
        let id = try row.string("id")
        let version = try row.int("version")
        let statusText = try row.string("status")
        guard let status = AgentStatus(rawValue: statusText) else {
            throw AgentStoreError.corruptRow(agentID: id, version: version, reason: "unknown status \"\(statusText)\"")
        }
        return Agent(
            id: id, workspaceID: try row.string("workspace_id"), version: version, status: status,
            archivedAt: try row.optionalInt64("archived_at"), createdAt: try row.int64("created_at"),
            updatedAt: try row.int64("updated_at"),
            spec: try decodeSpec(try row.string("config"), agentID: id, version: version))
    }

    static func agentVersion(from row: Row) throws -> AgentVersion {
        let id = try row.string("agent_id")
        let version = try row.int("version")
        return AgentVersion(
            agentID: id, version: version, spec: try decodeSpec(try row.string("config"), agentID: id, version: version),
            createdAt: try row.int64("created_at"), createdBy: try row.string("created_by"))
    }

    /// Parses a stored canonical configuration.
    static func decodeSpec(_ config: String, agentID: String, version: Int) throws -> AgentSpec {
        let json: JSONValue
        do {
            json = try JSONParser.parse(config)
        } catch {
            throw AgentStoreError.corruptRow(agentID: agentID, version: version, reason: "config is not JSON: \(error)")
        }
        do {
            return try AgentSpec.parse(json)
        } catch {
            throw AgentStoreError.corruptRow(agentID: agentID, version: version, reason: error.description)
        }
    }

    static func insertVersion(
        _ connection: Connection, workspace: String, id: String, version: Int, spec: AgentSpec, at now: Int64, by actor: String
    ) throws {
        try connection.execute(
            "INSERT INTO agent_versions (workspace_id, agent_id, version, config, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
            [.text(workspace), .text(id), .int(version), .text(spec.canonicalText), .integer(now), .text(actor)])
    }

    /// Makes `credential_refs` list exactly the credentials `spec` references for agent `id`
    /// (none when `spec` is nil, e.g. when archived).
    static func writeCredentialRefs(_ connection: Connection, workspace: String, id: String, spec: AgentSpec?) throws {
        try CredentialReferences.replace(referrer: .agent, id: id, workspace: workspace, names: spec?.credentialNames ?? [], in: connection)
    }

    /// Throws `.invalid` listing every binding whose upstream server is not in the workspace (or
    /// would clash with sub-agent tool names) and every sub-agent that is missing, archived, outside the caller's agent restriction (reported
    /// as missing) or the agent itself.
    static func checkReferences(of spec: AgentSpec, agentID: String, caller: Caller, in connection: Connection) throws {
        let workspace = caller.workspaceID
        let issues = ValidationIssues()
        for (index, binding) in spec.bindings.enumerated() {
            let present = try connection.queryOne(
                "SELECT 1 AS present FROM upstream_servers WHERE workspace_id = ? AND id = ?",
                [.text(workspace), .text(binding.server)])
            if present == nil {
                issues.add("$.bindings[\(index)].server", "upstream server \"\(binding.server)\" not found")
            } else if let clash = spec.subAgentClash(binding: binding) {
                // A server created before the id was reserved.
                issues.add("$.bindings[\(index)].server", clash)
            }
        }
        for (index, subAgent) in spec.subAgents.enumerated() {
            let path = "$.sub_agents[\(index)]"
            if subAgent == agentID {
                issues.add(path, "an agent cannot be its own sub-agent")
                continue
            }
            let row = caller.principal.mayUse(agent: subAgent) ? try liveRow(connection, workspace: workspace, id: subAgent) : nil
            if let row {
                if row.archivedAt != nil { issues.add(path, "agent \"\(subAgent)\" is archived") }
            } else {
                issues.add(path, "agent \"\(subAgent)\" not found")
            }
        }
        try issues.throwIfAny()
    }

    /// The top-level spec fields whose canonical values differ (names only: safe for the audit
    /// log, which must never hold header values).
    static func changedFields(from old: AgentSpec, to new: AgentSpec) -> [String] {
        guard case .object(let before) = old.json, case .object(let after) = new.json else { return [] }
        var keys = after.keys
        for key in before.keys where !after.contains(key) { keys.append(key) }
        return keys.filter { before[$0] != after[$0] }
    }
}
