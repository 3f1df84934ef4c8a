// AgentStore: creates, versions, reads and lists agents. Every changing write stores a new,
// complete `agent_versions` row (the canonical JSON of the spec) and moves the live `agents` row
// to it, in the same transaction as the `credential_refs` rewrite and the audit record, so the
// history can never disagree with the live agent. The read-modify-write of an update runs inside
// one write transaction on the single writer connection, so concurrent updates get consecutive
// versions and none is lost. Lifecycle changes (archive, pause, …) live in
// AgentStore+Lifecycle.swift, SQL and row decoding in AgentStore+Rows.swift.

import JSON
import Storage

/// Agent persistence with versioning, authorization and auditing.
public final class AgentStore: Sendable {
    /// Largest page `list` returns.
    public static let maxPageSize = 200

    let database: Database
    let clock: WallClock
    let gate: AccessGate

    public init(database: Database, clock: WallClock = .system) {
        self.database = database
        self.clock = clock
        self.gate = AccessGate(audit: AuditLog(database: database, clock: clock))
    }

    // MARK: - Create and update

    /// Creates agent `id` (a slug, not yet used in the workspace — archived agents keep theirs) at
    /// version 1. Every bound upstream server and every sub-agent must exist in the workspace.
    /// Needs `agents:write`; an agent-restricted caller may only create agents in its restriction.
    @discardableResult
    public func create(caller: Caller, id: String, spec: AgentSpec) throws -> Agent {
        let validID = Identifier.isSlug(id)
        try gate.check(caller, .writeAgents, validID ? .agent(id, workspace: caller.workspaceID) : nil)
        guard validID else {
            throw PlatformError.invalid("$.id", "must be 1–64 of A–Z a–z 0–9 _ - (got \(JSONWriter.string(.string(id))))")
        }
        let now = clock.nowMilliseconds()
        let workspace = caller.workspaceID
        return try database.write { connection in
            try connection.transaction { connection in
                if let existing = try Self.liveRow(connection, workspace: workspace, id: id) {
                    let hint = existing.archivedAt == nil ? "" : " (archived: unarchive it or choose another id)"
                    throw PlatformError.conflict("agent \"\(id)\" already exists in workspace \"\(workspace)\"\(hint)")
                }
                try Self.checkReferences(of: spec, agentID: id, caller: caller, in: connection)
                try connection.execute(
                    "INSERT INTO agents (workspace_id, id, version, status, archived_at, created_at, updated_at) VALUES (?, ?, 1, 'active', NULL, ?, ?)",
                    [.text(workspace), .text(id), .integer(now), .integer(now)])
                try Self.insertVersion(connection, workspace: workspace, id: id, version: 1, spec: spec, at: now, by: caller.principal.actorID)
                try Self.writeCredentialRefs(connection, workspace: workspace, id: id, spec: spec)
                try AuditLog.append(
                    AuditEntry(action: "agents.create", targetKind: .agent, targetID: id, detail: ["version": 1]),
                    caller: caller, at: now, in: connection)
                return Agent(
                    id: id, workspaceID: workspace, version: 1, status: .active, archivedAt: nil, createdAt: now,
                    updatedAt: now, spec: spec)
            }
        }
    }

    /// Replaces the configuration of agent `id` with `spec`. When `spec` equals the current
    /// version's, nothing is written (`changed` is false, no audit record); otherwise a new
    /// version (current + 1) is stored and earlier versions are kept untouched. With
    /// `expectedVersion`, refuses (conflict) unless the agent is still at that version. Archived
    /// agents cannot be updated. Needs `agents:write`.
    @discardableResult
    public func update(caller: Caller, id: String, spec: AgentSpec, expectedVersion: Int? = nil) throws -> (agent: Agent, changed: Bool) {
        try authorize(caller, .writeAgents, id: id)
        let now = clock.nowMilliseconds()
        let workspace = caller.workspaceID
        return try database.write { connection in
            try connection.transaction { connection in
                guard let current = try Self.agent(connection, workspace: workspace, id: id) else {
                    throw PlatformError.notFound(kind: .agent, id: id)
                }
                if current.isArchived {
                    throw PlatformError.conflict("agent \"\(id)\" is archived; unarchive it before updating")
                }
                if let expectedVersion, expectedVersion != current.version {
                    throw PlatformError.conflict("agent \"\(id)\" is at version \(current.version), not \(expectedVersion)")
                }
                if current.spec == spec { return (current, false) }
                try Self.checkReferences(of: spec, agentID: id, caller: caller, in: connection)
                let version = current.version + 1
                try connection.execute(
                    "UPDATE agents SET version = ?, updated_at = ? WHERE workspace_id = ? AND id = ?",
                    [.int(version), .integer(now), .text(workspace), .text(id)])
                try Self.insertVersion(connection, workspace: workspace, id: id, version: version, spec: spec, at: now, by: caller.principal.actorID)
                try Self.writeCredentialRefs(connection, workspace: workspace, id: id, spec: spec)
                let detail: JSONValue = [
                    "version": .int(Int64(version)),
                    "changed": .array(Self.changedFields(from: current.spec, to: spec).map(JSONValue.string)),
                ]
                try AuditLog.append(
                    AuditEntry(action: "agents.update", targetKind: .agent, targetID: id, detail: detail),
                    caller: caller, at: now, in: connection)
                let agent = Agent(
                    id: id, workspaceID: workspace, version: version, status: current.status, archivedAt: nil,
                    createdAt: current.createdAt, updatedAt: now, spec: spec)
                return (agent, true)
            }
        }
    }

    // MARK: - Read

    /// Agent `id` (archived or not) with its current configuration. Needs `agents:read`.
    public func get(caller: Caller, id: String) throws -> Agent {
        try authorize(caller, .readAgents, id: id)
        let workspace = caller.workspaceID
        let agent = try database.read { connection in try Self.agent(connection, workspace: workspace, id: id) }
        guard let agent else { throw PlatformError.notFound(kind: .agent, id: id) }
        return agent
    }

    /// Version `version` of agent `id`; a version that does not exist is reported as not found
    /// with the id `id@vN`. Needs `agents:read`.
    public func version(caller: Caller, id: String, version: Int) throws -> AgentVersion {
        try authorize(caller, .readAgents, id: id)
        let workspace = caller.workspaceID
        let found = try database.read { connection in
            try connection.queryOne(
                "SELECT agent_id, version, config, created_at, created_by FROM agent_versions WHERE workspace_id = ? AND agent_id = ? AND version = ?",
                [.text(workspace), .text(id), .int(version)]
            ).map(Self.agentVersion(from:))
        }
        guard let found else { throw PlatformError.notFound(kind: .agent, id: "\(id)@v\(version)") }
        return found
    }

    /// Every version of agent `id`, newest first. Needs `agents:read`.
    public func history(caller: Caller, id: String) throws -> [AgentVersion] {
        try authorize(caller, .readAgents, id: id)
        let workspace = caller.workspaceID
        return try database.read { connection in
            try connection.query(
                "SELECT agent_id, version, config, created_at, created_by FROM agent_versions WHERE workspace_id = ? AND agent_id = ? ORDER BY version DESC",
                [.text(workspace), .text(id)]
            ).map(Self.agentVersion(from:))
        }
    }

    /// The caller's agents ordered by id, at most `limit` (1…200) after the id `after`, only those
    /// within its agent restriction, archived ones only with `includeArchived`. Needs
    /// `agents:read`.
    public func list(caller: Caller, includeArchived: Bool = false, limit: Int = 50, after: String? = nil) throws -> AgentPage {
        try gate.check(caller, .readAgents)
        guard (1...Self.maxPageSize).contains(limit) else {
            throw PlatformError.invalid("$.limit", "must be between 1 and \(Self.maxPageSize) (got \(limit))")
        }
        var sql = Self.agentSelect + " WHERE a.workspace_id = ?"
        var params: [SQLValue] = [.text(caller.workspaceID)]
        if !includeArchived { sql += " AND a.archived_at IS NULL" }
        if let after {
            sql += " AND a.id > ?"
            params.append(.text(after))
        }
        if let restriction = caller.principal.agentIDs {
            if restriction.isEmpty { return AgentPage(items: [], nextCursor: nil) }
            sql += " AND a.id IN (" + Array(repeating: "?", count: restriction.count).joined(separator: ", ") + ")"
            params += restriction.sorted().map { .text($0) }
        }
        sql += " ORDER BY a.id LIMIT ?"
        params.append(.int(limit + 1))
        let statement = sql
        let bound = params
        let agents = try database.read { connection in try connection.query(statement, bound).map(Self.agent(from:)) }
        let items = Array(agents.prefix(limit))
        return AgentPage(items: items, nextCursor: agents.count > limit ? items.last?.id : nil)
    }

    // MARK: - Authorization

    /// Checks `action` on agent `id` for `caller` and returns only when the agent exists in the
    /// caller's workspace. An id that exists only in another workspace is passed to the gate
    /// with its stored workspace, so the attempt is audited as denied; either way the caller sees
    /// the same not-found.
    func authorize(_ caller: Caller, _ action: Action, id: String) throws {
        let workspace = caller.workspaceID
        let (own, foreign): (Bool, String?) = try database.read { connection in
            if try connection.queryOne("SELECT 1 AS present FROM agents WHERE workspace_id = ? AND id = ?", [.text(workspace), .text(id)]) != nil {
                return (true, nil)
            }
            let other = try connection.queryOne(
                "SELECT workspace_id FROM agents WHERE id = ? AND workspace_id <> ? ORDER BY workspace_id LIMIT 1",
                [.text(id), .text(workspace)])
            return (false, try other?.string("workspace_id"))
        }
        try gate.check(caller, action, .agent(id, workspace: own ? workspace : (foreign ?? workspace)))
        guard own else { throw PlatformError.notFound(kind: .agent, id: id) }
    }
}
