// UpstreamServerStore: create, update, read, list, enable/disable and delete the upstream MCP
// servers of a workspace. Every operation goes through AccessGate (`upstreams.read` /
// `upstreams.write`), every change is audited in its own transaction, and the `credential_refs`
// rows of the server are rewritten in that same transaction so the credential vault always knows
// who uses a secret. An update with an identical spec writes nothing and records nothing, so
// re-applying an unchanged manifest is free. A server still bound by the current version of a
// live agent cannot be deleted.

import JSON
import Storage

/// Upstream server persistence.
public struct UpstreamServerStore: Sendable {
    /// Largest page `list` returns.
    public static let maxPageSize = 200

    private let database: Database
    private let clock: WallClock
    private let gate: AccessGate
    private let locator: ObjectLocator

    public init(database: Database, clock: WallClock = .system) {
        self.database = database
        self.clock = clock
        gate = AccessGate(audit: AuditLog(database: database, clock: clock))
        locator = ObjectLocator(
            database: database, gate: gate, kind: .upstreamServer, ownSQL: Self.selectOwn,
            foreignSQL: "SELECT workspace_id FROM upstream_servers WHERE id = ? AND workspace_id <> ? LIMIT 1")
    }

    private static let selectOwn =
        "SELECT workspace_id, id, config, enabled, created_at, updated_at FROM upstream_servers WHERE workspace_id = ? AND id = ?"

    // MARK: - Create and update

    /// Creates server `id` in the caller's workspace. Throws `.invalid` (`$.id`) for an id that is
    /// not a slug and `.conflict` when the id is taken in this workspace.
    @discardableResult
    public func create(caller: Caller, id: String, spec: UpstreamServerSpec) throws -> UpstreamServer {
        try gate.check(caller, .writeUpstreams, ref(id, caller.workspaceID))
        guard Identifier.isSlug(id) else {
            throw PlatformError.invalid("$.id", "must be 1–64 of A–Z a–z 0–9 _ - (got \(JSONWriter.string(.string(id))))")
        }
        if let problem = UpstreamServer.idProblem(id) { throw PlatformError.invalid("$.id", problem) }
        let now = clock.nowMilliseconds()
        let server = UpstreamServer(
            id: id, workspaceID: caller.workspaceID, spec: spec, enabled: spec.enabled, createdAt: now, updatedAt: now)
        try database.write { connection in
            try connection.transaction { connection in
                guard try connection.queryOne(Self.selectOwn, [.text(caller.workspaceID), .text(id)]) == nil else {
                    throw PlatformError.conflict("upstream server \"\(id)\" already exists in this workspace; update it instead")
                }
                try connection.execute(
                    """
                    INSERT INTO upstream_servers (workspace_id, id, config, enabled, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    [.text(caller.workspaceID), .text(id), .text(Self.configText(spec)), .bool(spec.enabled), .integer(now), .integer(now)])
                try CredentialReferences.replace(
                    referrer: .server, id: id, workspace: caller.workspaceID, names: spec.credentialNames, in: connection)
                try AuditLog.append(
                    AuditEntry(
                        action: "upstreams.create", targetKind: .upstreamServer, targetID: id,
                        detail: ["transport": .string(spec.transport.name), "enabled": .bool(spec.enabled)]),
                    caller: caller, at: now, in: connection)
            }
        }
        return server
    }

    /// Replaces the spec of server `id`. When `spec` equals the stored one nothing is written or
    /// audited and `changed` is false. The audit record names the changed top-level fields.
    @discardableResult
    public func update(caller: Caller, id: String, spec: UpstreamServerSpec) throws -> (server: UpstreamServer, changed: Bool) {
        _ = try locator.row(caller, .writeUpstreams, id: id)
        return try replace(caller: caller, id: id, action: "upstreams.update") { _ in spec }
    }

    /// Enables or disables server `id` (the stored spec's `enabled` follows). Setting the current
    /// value writes nothing and `changed` is false.
    @discardableResult
    public func setEnabled(caller: Caller, id: String, enabled: Bool) throws -> (server: UpstreamServer, changed: Bool) {
        _ = try locator.row(caller, .writeUpstreams, id: id)
        return try replace(caller: caller, id: id, action: enabled ? "upstreams.enable" : "upstreams.disable") { current in
            var spec = current
            spec.enabled = enabled
            return spec
        }
    }

    /// Re-reads the row inside the write transaction, derives the new spec and writes it if it
    /// differs.
    private func replace(
        caller: Caller, id: String, action: String, _ change: (UpstreamServerSpec) -> UpstreamServerSpec
    ) throws -> (server: UpstreamServer, changed: Bool) {
        let now = clock.nowMilliseconds()
        return try database.write { connection in
            try connection.transaction { connection in
                guard let row = try connection.queryOne(Self.selectOwn, [.text(caller.workspaceID), .text(id)]) else {
                    throw PlatformError.notFound(kind: .upstreamServer, id: id)
                }
                let current = try Self.server(from: row)
                let spec = change(current.spec)
                if spec == current.spec && current.enabled == spec.enabled { return (current, false) }
                try connection.execute(
                    "UPDATE upstream_servers SET config = ?, enabled = ?, updated_at = ? WHERE workspace_id = ? AND id = ?",
                    [.text(Self.configText(spec)), .bool(spec.enabled), .integer(now), .text(caller.workspaceID), .text(id)])
                try CredentialReferences.replace(
                    referrer: .server, id: id, workspace: caller.workspaceID, names: spec.credentialNames, in: connection)
                let changed = Self.changedFields(current.spec.json, spec.json)
                try AuditLog.append(
                    AuditEntry(
                        action: action, targetKind: .upstreamServer, targetID: id,
                        detail: ["changed": .array(changed.map(JSONValue.string))]),
                    caller: caller, at: now, in: connection)
                let server = UpstreamServer(
                    id: id, workspaceID: caller.workspaceID, spec: spec, enabled: spec.enabled,
                    createdAt: current.createdAt, updatedAt: now)
                return (server, true)
            }
        }
    }

    // MARK: - Read

    /// Server `id` of the caller's workspace.
    public func get(caller: Caller, id: String) throws -> UpstreamServer {
        try Self.server(from: try locator.row(caller, .readUpstreams, id: id))
    }

    /// Servers of the caller's workspace ordered by id, at most `limit` (1…200), starting after
    /// id `after` (pass the last id of the previous page).
    public func list(caller: Caller, limit: Int = 100, after: String? = nil) throws -> [UpstreamServer] {
        try gate.check(caller, .readUpstreams)
        guard (1...Self.maxPageSize).contains(limit) else {
            throw PlatformError.invalid("$.limit", "must be between 1 and \(Self.maxPageSize) (got \(limit))")
        }
        let rows = try database.read { connection in
            try connection.query(
                """
                SELECT workspace_id, id, config, enabled, created_at, updated_at FROM upstream_servers
                WHERE workspace_id = ? AND id > ? ORDER BY id LIMIT ?
                """,
                [.text(caller.workspaceID), .text(after ?? ""), .int(limit)])
        }
        return try rows.map(Self.server(from:))
    }

    /// The live agents whose current version binds server `id` (agents outside a restricted
    /// caller's agents are counted in `hidden`, not named).
    public func boundBy(caller: Caller, id: String) throws -> (agentIDs: [String], hidden: Int) {
        _ = try locator.row(caller, .readUpstreams, id: id)
        return try database.read { connection in try Self.bindingAgents(of: id, caller: caller, in: connection) }
    }

    // MARK: - Delete

    /// Deletes server `id`. Refused with `.conflict` naming the live agents whose current version
    /// still binds it.
    public func delete(caller: Caller, id: String) throws {
        _ = try locator.row(caller, .writeUpstreams, id: id)
        let now = clock.nowMilliseconds()
        try database.write { connection in
            try connection.transaction { connection in
                guard try connection.queryOne(Self.selectOwn, [.text(caller.workspaceID), .text(id)]) != nil else {
                    throw PlatformError.notFound(kind: .upstreamServer, id: id)
                }
                let bound = try Self.bindingAgents(of: id, caller: caller, in: connection)
                if !bound.agentIDs.isEmpty || bound.hidden > 0 {
                    var names = bound.agentIDs
                    if bound.hidden > 0 { names.append("\(bound.hidden) other\(bound.hidden == 1 ? "" : "s") not visible to you") }
                    throw PlatformError.conflict(
                        "upstream server \"\(id)\" is bound by agents \(names.joined(separator: ", ")); remove those bindings or archive the agents first")
                }
                try connection.execute(
                    "DELETE FROM upstream_servers WHERE workspace_id = ? AND id = ?", [.text(caller.workspaceID), .text(id)])
                try CredentialReferences.replace(referrer: .server, id: id, workspace: caller.workspaceID, names: [], in: connection)
                try AuditLog.append(
                    AuditEntry(action: "upstreams.delete", targetKind: .upstreamServer, targetID: id), caller: caller, at: now, in: connection)
            }
        }
    }

    // MARK: - Rows

    /// Agents (not archived) whose CURRENT version's config has a binding to `serverID`. The path
    /// is built from json_each's `fullkey`, so a binding that is not an object yields NULL
    /// instead of a JSON error.
    private static func bindingAgents(of serverID: String, caller: Caller, in connection: Connection) throws -> (agentIDs: [String], hidden: Int) {
        let rows = try connection.query(
            """
            SELECT a.id AS id FROM agents AS a
            JOIN agent_versions AS v ON v.workspace_id = a.workspace_id AND v.agent_id = a.id AND v.version = a.version
            WHERE a.workspace_id = ? AND a.archived_at IS NULL
              AND EXISTS (
                SELECT 1 FROM json_each(v.config, '$.bindings') AS b
                WHERE json_extract(v.config, b.fullkey || '.server') = ?)
            ORDER BY a.id
            """,
            [.text(caller.workspaceID), .text(serverID)])
        var visible: [String] = []
        var hidden = 0
        for row in rows {
            let agent = try row.string("id")
            if caller.principal.mayUse(agent: agent) { visible.append(agent) } else { hidden += 1 }
        }
        return (visible, hidden)
    }

    private func ref(_ id: String, _ workspace: String) -> ObjectRef {
        ObjectRef(kind: .upstreamServer, id: id, workspaceID: workspace)
    }

    private static func configText(_ spec: UpstreamServerSpec) -> String { JSONWriter.string(spec.json) }

    static func server(from row: Row) throws -> UpstreamServer {
        let id = try row.string("id")
        let spec: UpstreamServerSpec
        do {
            spec = try UpstreamServerSpec.parse(try JSONParser.parse(try row.string("config")))
        } catch {
            throw CorruptRowError(kind: .upstreamServer, id: id, reason: "config: \(error)")
        }
        return UpstreamServer(
            id: id, workspaceID: try row.string("workspace_id"), spec: spec, enabled: try row.bool("enabled"),
            createdAt: try row.int64("created_at"), updatedAt: try row.int64("updated_at"))
    }

    /// Top-level fields whose canonical value differs (names only, never values).
    static func changedFields(_ old: JSONValue, _ new: JSONValue) -> [String] {
        guard case .object(let before) = old, case .object(let after) = new else { return [] }
        var keys = after.keys
        for key in before.keys where !after.contains(key) { keys.append(key) }
        return keys.filter { before[$0] != after[$0] }
    }
}
