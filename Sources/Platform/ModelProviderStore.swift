// ModelProviderStore: create, update (no-op when unchanged), get, list and delete model
// providers. Deleting one that a live agent's current version uses is refused with the agents'
// names. Reads need agents:read, writes agents:write (providers are agent configuration).

import JSON
import Storage

/// Model provider rows.
public struct ModelProviderStore: Sendable {
    private let database: Database
    private let clock: WallClock
    private let gate: AccessGate

    public init(database: Database, clock: WallClock = .system) {
        self.database = database
        self.clock = clock
        self.gate = AccessGate(audit: AuditLog(database: database, clock: clock))
    }

    /// Creates or updates provider `id`; returns it and what happened (`created`, `updated` or
    /// `unchanged` — an identical spec writes nothing and records nothing).
    @discardableResult
    public func put(caller: Caller, id: String, spec: ModelProviderSpec) throws -> (provider: ModelProvider, change: StoreChange) {
        guard Identifier.isSlug(id) else { throw PlatformError.invalid("$.id", "must be 1–64 of A–Z a–z 0–9 _ -") }
        guard id != ModelProvider.builtInScriptedID else {
            throw PlatformError.invalid("$.id", "\"scripted\" is the built-in offline provider and cannot be redefined")
        }
        try gate.check(caller, .writeModelProviders, ObjectRef(kind: .modelProvider, id: id, workspaceID: caller.workspaceID))
        let now = clock.nowMilliseconds()
        let config = JSONWriter.string(spec.json, sortKeys: true)
        return try database.write { connection in
            try connection.transaction { connection in
                let existing = try connection.queryOne(
                    "SELECT config, created_at FROM model_providers WHERE workspace_id = ? AND id = ?",
                    [.text(caller.workspaceID), .text(id)])
                if let existing {
                    let created = try existing.int64("created_at")
                    if try existing.string("config") == config {
                        return (ModelProvider(id: id, workspaceID: caller.workspaceID, spec: spec, createdAt: created, updatedAt: now), .unchanged)
                    }
                    try connection.execute(
                        "UPDATE model_providers SET config = ?, updated_at = ? WHERE workspace_id = ? AND id = ?",
                        [.text(config), .integer(now), .text(caller.workspaceID), .text(id)])
                    try AuditLog.append(AuditEntry(action: "model_providers.update", targetKind: .modelProvider, targetID: id), caller: caller, at: now, in: connection)
                    return (ModelProvider(id: id, workspaceID: caller.workspaceID, spec: spec, createdAt: created, updatedAt: now), .updated)
                }
                try connection.execute(
                    "INSERT INTO model_providers (workspace_id, id, config, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    [.text(caller.workspaceID), .text(id), .text(config), .integer(now), .integer(now)])
                try AuditLog.append(AuditEntry(action: "model_providers.create", targetKind: .modelProvider, targetID: id), caller: caller, at: now, in: connection)
                return (ModelProvider(id: id, workspaceID: caller.workspaceID, spec: spec, createdAt: now, updatedAt: now), .created)
            }
        }
    }

    /// Provider `id` of the caller's workspace.
    public func get(caller: Caller, id: String) throws -> ModelProvider {
        try gate.check(caller, .readModelProviders, ObjectRef(kind: .modelProvider, id: id, workspaceID: caller.workspaceID))
        let row = try database.read { connection in
            try connection.queryOne("SELECT * FROM model_providers WHERE workspace_id = ? AND id = ?", [.text(caller.workspaceID), .text(id)])
        }
        guard let row else { throw PlatformError.notFound(kind: .modelProvider, id: id) }
        return try Self.provider(from: row)
    }

    /// Every provider of the caller's workspace, by id.
    public func list(caller: Caller) throws -> [ModelProvider] {
        try gate.check(caller, .readModelProviders)
        return try database.read { connection in
            try connection.query("SELECT * FROM model_providers WHERE workspace_id = ? ORDER BY id", [.text(caller.workspaceID)])
        }.map(Self.provider(from:))
    }

    /// Deletes provider `id`; refused while a live agent's current version uses it.
    public func delete(caller: Caller, id: String) throws {
        try gate.check(caller, .writeModelProviders, ObjectRef(kind: .modelProvider, id: id, workspaceID: caller.workspaceID))
        let now = clock.nowMilliseconds()
        try database.write { connection in
            try connection.transaction { connection in
                let users = try connection.query(
                    """
                    SELECT a.id FROM agents a JOIN agent_versions v
                      ON v.workspace_id = a.workspace_id AND v.agent_id = a.id AND v.version = a.version
                    WHERE a.workspace_id = ? AND a.archived_at IS NULL
                      AND substr(json_extract(v.config, '$.model'), 1, length(?) + 1) = ? || '/'
                    ORDER BY a.id
                    """,
                    [.text(caller.workspaceID), .text(id), .text(id)]
                ).map { try $0.string("id") }
                if !users.isEmpty {
                    throw PlatformError.conflict("model provider \"\(id)\" is used by agents \(users.joined(separator: ", ")); change their model first")
                }
                try connection.execute("DELETE FROM model_providers WHERE workspace_id = ? AND id = ?", [.text(caller.workspaceID), .text(id)])
                guard connection.changes > 0 else { throw PlatformError.notFound(kind: .modelProvider, id: id) }
                try AuditLog.append(AuditEntry(action: "model_providers.delete", targetKind: .modelProvider, targetID: id), caller: caller, at: now, in: connection)
            }
        }
    }

    private static func provider(from row: Row) throws -> ModelProvider {
        let id = try row.string("id")
        let spec: ModelProviderSpec
        do {
            spec = try ModelProviderSpec.parse(try JSONParser.parse(try row.string("config")))
        } catch {
            throw PlatformError.conflict("stored model provider \"\(id)\" cannot be read: \(error)")
        }
        return ModelProvider(
            id: id, workspaceID: try row.string("workspace_id"), spec: spec,
            createdAt: try row.int64("created_at"), updatedAt: try row.int64("updated_at"))
    }
}
