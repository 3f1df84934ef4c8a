// DomainFixture: a platform database with the session, run, event and approval stores on a
// manual clock, plus the few things those tests need that belong to other stores: agent rows
// (written with plain SQL, as the agent store is not part of these tests), callers with chosen
// scopes and agent restrictions, and raw reads of the audit log.

import JSON
import Platform
import Storage
import Testing

struct DomainFixture {
    let base: Fixture
    let sessions: SessionStore
    let runs: RunStore
    let events: EventLog
    let approvals: ApprovalStore
    let audit: AuditLog

    var database: Database { base.database }
    var clock: ManualClock { base.clock }

    /// The local administrator of `default`.
    let local = Caller.local(.cli)

    init() throws {
        base = try Fixture()
        sessions = SessionStore(database: base.database, clock: base.clock.clock)
        runs = RunStore(database: base.database, clock: base.clock.clock)
        events = EventLog(database: base.database, clock: base.clock.clock)
        approvals = ApprovalStore(database: base.database, clock: base.clock.clock)
        audit = AuditLog(database: base.database, clock: base.clock.clock)
    }

    /// Inserts agent `id` (and its version rows up to `version`) with SQL.
    func addAgent(_ id: String, workspace: String = "default", version: Int64 = 1, status: String = "active", archived: Bool = false) throws {
        let now = clock.milliseconds
        try database.write { connection in
            try connection.transaction { connection in
                try connection.execute(
                    "INSERT INTO agents (workspace_id, id, version, status, archived_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [.text(workspace), .text(id), .integer(version), .text(status), archived ? .integer(now) : .null, .integer(now), .integer(now)])
                for number in 1...version {
                    try connection.execute(
                        "INSERT INTO agent_versions (workspace_id, agent_id, version, config, created_at, created_by) VALUES (?, ?, ?, '{}', ?, 'local')",
                        [.text(workspace), .text(id), .integer(number), .integer(now)])
                }
            }
        }
    }

    /// Changes the live agent row, as the agent store would on update / pause / archive.
    func updateAgent(_ id: String, workspace: String = "default", version: Int64? = nil, status: String? = nil, archived: Bool? = nil) throws {
        let now = clock.milliseconds
        try database.write { connection in
            try connection.transaction { connection in
                if let version {
                    try connection.execute(
                        "INSERT INTO agent_versions (workspace_id, agent_id, version, config, created_at, created_by) VALUES (?, ?, ?, '{}', ?, 'local')",
                        [.text(workspace), .text(id), .integer(version), .integer(now)])
                    try connection.execute("UPDATE agents SET version = ? WHERE workspace_id = ? AND id = ?", [.integer(version), .text(workspace), .text(id)])
                }
                if let status {
                    try connection.execute("UPDATE agents SET status = ? WHERE workspace_id = ? AND id = ?", [.text(status), .text(workspace), .text(id)])
                }
                if let archived {
                    try connection.execute(
                        "UPDATE agents SET archived_at = ? WHERE workspace_id = ? AND id = ?",
                        [archived ? .integer(now) : .null, .text(workspace), .text(id)])
                }
            }
        }
    }

    /// A caller holding `scopes` in `workspace`, optionally restricted to `agents`.
    func caller(_ scopes: Set<Scope>, workspace: String = "default", agents: Set<String>? = nil, key: String = "key_test") -> Caller {
        Caller(principal: Principal(workspaceID: workspace, keyID: key, scopes: scopes, agentIDs: agents), origin: .http)
    }

    /// Creates workspace `id` and returns its local administrator.
    func workspace(_ id: String) throws -> Caller {
        try base.workspaces.create(id: id, name: id)
        return Caller.local(.cli, workspace: id)
    }

    /// Audit rows (all workspaces) with `action` and `outcome`, optionally about `target`.
    func auditRows(action: String, outcome: String = "ok", target: String? = nil) throws -> [Row] {
        try database.read { connection in
            try connection.query(
                "SELECT * FROM audit_log WHERE action = ? AND outcome = ? AND (? IS NULL OR target_id = ?) ORDER BY seq",
                [.text(action), .text(outcome), .optionalText(target), .optionalText(target)])
        }
    }

    /// Every audit row, oldest first.
    func allAuditRows() throws -> [Row] {
        try database.read { connection in try connection.query("SELECT * FROM audit_log ORDER BY seq") }
    }

    /// Whether the audit chain verifies.
    func auditIntact() throws -> Bool {
        if case .intact = try audit.verify() { return true }
        return false
    }

    /// A session of `agent` for `user` in the local default workspace.
    func session(agent: String = "support", user: String = "alice") throws -> Session {
        try sessions.resolve(caller: local, agentID: agent, userReference: user).session
    }

    /// A queued run in a fresh session of `agent`.
    func run(agent: String = "support", input: JSONValue = ["message": "hi"]) throws -> Run {
        let session = try session(agent: agent)
        return try runs.create(caller: local, sessionID: session.id, trigger: .cli, input: input)
    }
}

/// The `PlatformError` `body` throws, or nil when it throws nothing (or something else).
func platformError(_ body: () throws -> Void) -> PlatformError? {
    do {
        try body()
        return nil
    } catch let error as PlatformError {
        return error
    } catch {
        Issue.record("expected a PlatformError, got \(error)")
        return nil
    }
}

/// The message of the `conflict` `body` throws, or nil (recording an issue) otherwise.
func conflictMessage(_ body: () throws -> Void) -> String? {
    let error = platformError(body)
    guard case .conflict(let message) = error else {
        Issue.record("expected a conflict, got \(String(describing: error))")
        return nil
    }
    return message
}

/// The validation issues `body` throws (empty, recording an issue, otherwise).
func validationIssues(_ body: () throws -> Void) -> [ValidationIssue] {
    let error = platformError(body)
    guard case .invalid(let issues) = error else {
        Issue.record("expected a validation error, got \(String(describing: error))")
        return []
    }
    return issues
}
