// VaultFixture: a platform database with the upstream server store and the credential vault on a
// manual clock, plus what their tests need around them: callers with chosen scopes, agent rows
// written directly with SQL (the agent store lives elsewhere), and raw audit rows.

import Hashing
import JSON
import Platform
import Storage

struct VaultFixture {
    let base: Fixture
    let masterKey: [UInt8]
    let upstreams: UpstreamServerStore
    let credentials: CredentialStore

    var database: Database { base.database }
    var clock: ManualClock { base.clock }
    var directory: TemporaryDirectory { base.directory }

    init() throws {
        base = try Fixture()
        masterKey = SecureRandom.bytes(32)
        upstreams = UpstreamServerStore(database: base.database, clock: base.clock.clock)
        credentials = try CredentialStore(database: base.database, clock: base.clock.clock, masterKey: masterKey)
    }

    /// The local admin of `default`.
    static let admin = Caller.local(.cli)

    /// A key-holding caller of `workspace` with `scopes` (and optional agent restriction).
    static func caller(_ scopes: Set<Scope>, workspace: String = "default", agents: Set<String>? = nil) -> Caller {
        Caller(principal: Principal(workspaceID: workspace, keyID: "key_test", scopes: scopes, agentIDs: agents), origin: .http)
    }

    /// Creates workspace `id` and returns its admin caller.
    func workspace(_ id: String) throws -> Caller {
        try base.workspaces.create(id: id, name: id)
        return Caller.local(.cli, workspace: id)
    }

    /// Writes agent `id` with one version per config (current = the last), optionally archived.
    func insertAgent(_ id: String, workspace: String = "default", versions: [String], archived: Bool = false) throws {
        try database.write { connection in
            try connection.transaction { connection in
                try connection.execute(
                    "INSERT INTO agents (workspace_id, id, version, status, archived_at, created_at, updated_at) VALUES (?, ?, ?, 'active', ?, 1, 1)",
                    [.text(workspace), .text(id), .int(versions.count), archived ? .integer(5) : .null])
                for (index, config) in versions.enumerated() {
                    try connection.execute(
                        "INSERT INTO agent_versions (workspace_id, agent_id, version, config, created_at, created_by) VALUES (?, ?, ?, ?, 1, 'local')",
                        [.text(workspace), .text(id), .int(index + 1), .text(config)])
                }
            }
        }
    }

    /// An agent config JSON binding `servers`.
    static func config(binding servers: [String]) -> String {
        JSONWriter.string(["bindings": .array(servers.map { ["server": .string($0), "allowed_tools": ["*"]] })])
    }

    /// Adds `credential_refs` rows for agent `agent` (what the agent store maintains).
    func insertAgentRefs(_ agent: String, credentials names: [String], workspace: String = "default") throws {
        try database.write { connection in
            for name in names {
                try connection.execute(
                    "INSERT INTO credential_refs (workspace_id, credential_name, referrer_kind, referrer_id) VALUES (?, ?, 'agent', ?)",
                    [.text(workspace), .text(name), .text(agent)])
            }
        }
    }

    /// Every audit row, oldest first.
    func auditRows() throws -> [Row] {
        try database.read { connection in try connection.query("SELECT * FROM audit_log ORDER BY seq") }
    }

    /// The newest audit row.
    func lastAudit() throws -> Row? { try auditRows().last }

    /// Every `credential_refs` row as "kind:referrer->name", sorted.
    func credentialRefs(workspace: String = "default") throws -> [String] {
        try database.read { connection in
            try connection.query(
                "SELECT * FROM credential_refs WHERE workspace_id = ? ORDER BY referrer_kind, referrer_id, credential_name",
                [.text(workspace)]
            ).map { row in "\(try row.string("referrer_kind")):\(try row.string("referrer_id"))->\(try row.string("credential_name"))" }
        }
    }

    /// Whether the chain verifies.
    func auditIntact() throws -> Bool {
        if case .intact = try AuditLog(database: database).verify() { return true }
        return false
    }
}
