// AgentTestSupport: a platform database with an AgentStore, upstream server rows inserted with
// plain SQL (the upstream server store is not part of this package), spec builders and helpers to
// catch validation issues and read audit records.

import JSON
import Platform
import Storage
import Testing

/// A fixture for agent tests: a fresh database, an AgentStore on a manual clock.
struct AgentFixture {
    let base: Fixture
    let agents: AgentStore
    let local = Caller.local(.cli)

    init() throws {
        base = try Fixture()
        agents = AgentStore(database: base.database, clock: base.clock.clock)
    }

    var database: Database { base.database }
    var clock: ManualClock { base.clock }

    /// Inserts upstream server rows directly.
    func addServers(_ ids: String..., workspace: String = "default") throws {
        let now = clock.milliseconds
        try database.write { connection in
            for id in ids {
                try connection.execute(
                    "INSERT INTO upstream_servers (workspace_id, id, config, enabled, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)",
                    [.text(workspace), .text(id), .text(#"{"transport":"stdio","command":"true"}"#), .integer(now), .integer(now)])
            }
        }
    }

    /// Creates workspace `id` and returns a caller holding `scopes` in it.
    func workspace(_ id: String, scopes: Set<Scope> = [.admin], agents: Set<String>? = nil) throws -> Caller {
        try base.workspaces.create(id: id, name: id)
        return Caller(principal: Principal(workspaceID: id, keyID: "key_\(id)", scopes: scopes, agentIDs: agents), origin: .http)
    }

    /// A caller of the default workspace with a key id.
    func key(_ scopes: Set<Scope>, agents: Set<String>? = nil, id: String = "key_test") -> Caller {
        Caller(principal: Principal(workspaceID: "default", keyID: id, scopes: scopes, agentIDs: agents), origin: .http)
    }

    /// Audit records of `workspace`, oldest first.
    func audit(_ workspace: String = "default") throws -> [AuditRecord] {
        try AuditLog(database: database, clock: clock.clock).list(caller: .local(.cli, workspace: workspace), limit: 1000)
    }

    /// Whether the chain verifies.
    func auditIntact() throws -> Bool {
        if case .intact = try AuditLog(database: database, clock: clock.clock).verify() { return true }
        return false
    }

    /// `credential_refs` rows of agent referrers in `workspace` as "referrer:credential", sorted.
    func credentialRefs(_ workspace: String = "default") throws -> [String] {
        try database.read { connection in
            try connection.query(
                "SELECT referrer_id, credential_name FROM credential_refs WHERE workspace_id = ? AND referrer_kind = 'agent' ORDER BY referrer_id, credential_name",
                [.text(workspace)]
            ).map { row in "\(try row.string("referrer_id")):\(try row.string("credential_name"))" }
        }
    }
}

/// A minimal valid spec with `extra` members added (or replaced).
func specJSON(_ extra: [(String, JSONValue)] = []) -> JSONValue {
    var object: JSONObject = [
        "name": "Support",
        "instructions": "Help {{customer}} with {{topic}}.",
        "model": "anthropic/claude-sonnet-4",
    ]
    for (key, value) in extra { object[key] = value }
    return .object(object)
}

/// Parses `json` as a spec (the test fails on issues).
func spec(_ json: JSONValue) throws -> AgentSpec { try AgentSpec.parse(json) }

/// A minimal valid spec with `extra` members.
func spec(_ extra: [(String, JSONValue)] = []) throws -> AgentSpec { try AgentSpec.parse(specJSON(extra)) }

/// The validation issues `body` throws, or [] when it throws none (other errors propagate).
func issuesThrown(_ body: () throws -> Void) throws -> [ValidationIssue] {
    do {
        try body()
        return []
    } catch let error as PlatformError {
        guard case .invalid(let issues) = error else { throw error }
        return issues
    }
}

/// The issues of parsing `json` as an agent spec.
func specIssues(_ json: JSONValue) throws -> [ValidationIssue] {
    try issuesThrown { _ = try AgentSpec.parse(json) }
}

/// A binding object for `server` with `extra` members.
func bindingJSON(_ server: String, _ extra: [(String, JSONValue)] = []) -> JSONValue {
    var object: JSONObject = ["server": .string(server)]
    for (key, value) in extra { object[key] = value }
    return .object(object)
}

// platformError(_:) is shared with the other stores' tests (DomainFixture.swift).
