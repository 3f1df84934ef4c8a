// PlatformSchemaTests: migrations on a real file, the idempotent default workspace, constraints.

import Glibc
import Hashing
import Platform
import Storage
import Testing

@Suite("PlatformSchema")
struct PlatformSchemaTests {
    @Test("the first open creates the schema and the default workspace, and reopening changes nothing")
    func defaultWorkspace() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        do {
            let database = try PlatformSchema.open(path: directory.file(), clock: clock.clock)
            #expect(try database.schemaVersion == PlatformSchema.migrations.count)
            #expect(try WorkspaceStore(database: database).list().map(\.id) == ["default"])
        }
        clock.advance(by: 10_000)
        let database = try PlatformSchema.open(path: directory.file(), clock: clock.clock)
        let workspaces = try WorkspaceStore(database: database).list()
        #expect(workspaces.count == 1)
        #expect(workspaces[0].createdAt == clock.milliseconds - 10_000)
    }

    @Test("a new database file and its WAL are created readable by the owner only")
    func privateFile() throws {
        let fixture = try Fixture()
        try AuditLog(database: fixture.database).record(AuditEntry(action: "x"), caller: .local(.cli))
        for name in ["platform.sqlite", "platform.sqlite-wal"] {
            var info = stat()
            #expect(stat(fixture.directory.file(name), &info) == 0)
            #expect(info.st_mode & 0o077 == 0, "\(name) mode \(String(info.st_mode & 0o777, radix: 8))")
        }
    }

    @Test("an api key row must belong to an existing workspace and carry a 32-byte unique hash")
    func constraints() throws {
        let fixture = try Fixture()
        func insert(_ id: String, workspace: String, hash: [UInt8]) throws {
            try fixture.database.write { connection in
                try connection.execute(
                    """
                    INSERT INTO api_keys (id, workspace_id, name, prefix, secret_hash, scopes, created_at)
                    VALUES (?, ?, 'n', 'ab_xxxxxx', ?, 'admin', 0)
                    """, [.text(id), .text(workspace), .blob(hash)])
            }
        }
        try insert("k1", workspace: "default", hash: [UInt8](repeating: 1, count: 32))
        #expect(throws: SQLiteError.self) { try insert("k2", workspace: "missing", hash: [UInt8](repeating: 2, count: 32)) }
        #expect(throws: SQLiteError.self) { try insert("k3", workspace: "default", hash: [UInt8](repeating: 1, count: 32)) }
        #expect(throws: SQLiteError.self) { try insert("k4", workspace: "default", hash: [1, 2, 3]) }
    }

    @Test("authentication looks keys up through an index on the hash")
    func hashIndex() throws {
        let fixture = try Fixture()
        let plan = try fixture.database.read { connection in
            try connection.query("EXPLAIN QUERY PLAN SELECT id FROM api_keys WHERE secret_hash = ?", [.blob([0])])
                .map { try $0.string("detail") }
        }
        #expect(plan.contains { $0.contains("USING INDEX") })
    }

    @Test("workspace ids are slugs, names are validated and ids are unique")
    func workspaceValidation() throws {
        let fixture = try Fixture()
        #expect(try fixture.workspaces.create(id: "acme-1", name: "Acme").id == "acme-1")
        #expect(throws: WorkspaceError.alreadyExists("acme-1")) { try fixture.workspaces.create(id: "acme-1", name: "Again") }
        #expect(throws: WorkspaceError.invalidID("a b")) { try fixture.workspaces.create(id: "a b", name: "x") }
        #expect(throws: WorkspaceError.self) { try fixture.workspaces.create(id: "ok", name: "bad\nname") }
        #expect(try fixture.workspaces.get(id: "acme-1")?.name == "Acme")
        #expect(try fixture.workspaces.get(id: "nope") == nil)
    }
}

@Suite("PlatformSchema upgrades and concurrent writers")
struct PlatformSchemaUpgradeTests {
    @Test("a version-1 database (keys only) upgrades in place to the current schema and keeps its rows")
    func upgradeFromVersion1() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        var secret = ""
        do {
            // What an agentbridge that knew only migration 1 would have written.
            let old = try Database.open(path: directory.file(), migrations: Array(PlatformSchema.migrations.prefix(1)))
            try WorkspaceStore(database: old, clock: clock.clock).ensureDefault()
            // The key row exactly as version 1 stored it (today's store writes later columns).
            secret = APIKeyStore.secretPrefix + Base64URL.encode(SecureRandom.bytes(APIKeyStore.secretRandomByteCount))
            try old.write { connection in
                try connection.execute(
                    "INSERT INTO api_keys (id, workspace_id, name, prefix, secret_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [.text("key_old"), .text("default"), .text("old"), .text(String(secret.prefix(9))), .blob(SHA256.hash(secret)),
                     .text("admin"), .integer(clock.clock.nowMilliseconds())])
            }
            #expect(try old.schemaVersion == 1)
        }
        let database = try PlatformSchema.open(path: directory.file(), clock: clock.clock)
        #expect(try database.schemaVersion == PlatformSchema.migrations.count)
        #expect(try APIKeyStore(database: database, clock: clock.clock).authenticate(secret: secret) != nil)
        // The new tables exist and work.
        let audit = AuditLog(database: database, clock: clock.clock)
        try audit.record(AuditEntry(action: "upgrade.check"), caller: .local(.cli))
        #expect(try audit.verify() == .intact(records: 1))
        let tables = try database.read { connection in
            try connection.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map { try $0.string("name") }
        }
        for table in ["agents", "agent_versions", "approvals", "audit_head", "audit_log", "credential_refs", "credentials", "events", "model_providers", "runs", "sessions", "upstream_servers"] {
            #expect(tables.contains(table), "missing table \(table)")
        }
    }

    @Test("a version-7 database keeps its approvals through migration 8 (run optional, requested_by added) with every index")
    func upgradeApprovalsFromVersion7() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        var run: Run
        var created: Approval
        do {
            let old = try Database.open(path: directory.file(), migrations: Array(PlatformSchema.migrations.prefix(7)))
            try WorkspaceStore(database: old, clock: clock.clock).ensureDefault()
            // A run's approval as today's stores write it on a version-7 file (they write no
            // column of migration 8).
            try old.write { connection in
                try connection.execute(
                    "INSERT INTO agents (workspace_id, id, version, status, created_at, updated_at) VALUES ('default', 'support', 1, 'active', 1, 1)")
                try connection.execute(
                    "INSERT INTO agent_versions (workspace_id, agent_id, version, config, created_at, created_by) VALUES ('default', 'support', 1, '{}', 1, 'local')")
            }
            let session = try SessionStore(database: old, clock: clock.clock).resolve(caller: .local(.cli), agentID: "support", userReference: "u").session
            let runs = RunStore(database: old, clock: clock.clock)
            run = try runs.create(caller: .local(.cli), sessionID: session.id, trigger: .cli, input: ["message": "hi"])
            try runs.markRunning(id: run.id)
            created = try ApprovalStore(database: old, clock: clock.clock).create(
                runID: run.id, toolCallID: "tc-1", serverID: "mail", toolName: "send", arguments: ["to": "a"],
                expiresAt: clock.clock.nowMilliseconds() + 60_000)
            #expect(try old.schemaVersion == 7)
        }
        let database = try PlatformSchema.open(path: directory.file(), clock: clock.clock)
        #expect(try database.schemaVersion == PlatformSchema.migrations.count)
        let store = ApprovalStore(database: database, clock: clock.clock)
        #expect(try store.current(id: created.id) == created)
        #expect(created.runID == run.id && created.requestedBy == nil)
        let decided = try store.decide(caller: .local(.cli), id: created.id, approve: true, arguments: ["to": "b"])
        #expect(decided.approvedArguments == ["to": "b"] && decided.runID == run.id)
        let indexes = try database.read { connection in
            try connection.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'approvals' AND sql IS NOT NULL ORDER BY name")
                .map { try $0.string("name") }
        }
        #expect(indexes == ["approvals_by_run", "approvals_by_workspace_created", "approvals_due", "approvals_pending"])
        // A gateway approval has no run; a row with neither a run nor a requester is refused.
        let gateway = try store.createForCall(
            caller: .local(.http), requester: "key:a", agentID: "support", serverID: "mail", toolName: "send", arguments: ["to": "c"],
            expiresAt: clock.clock.nowMilliseconds() + 1000)
        #expect(try store.current(id: gateway.id) == gateway)
        #expect(throws: (any Error).self) {
            try database.write { connection in
                try connection.execute(
                    """
                    INSERT INTO approvals (id, workspace_id, agent_id, tool_call_id, tool_name, arguments, status, expires_at, created_at)
                    VALUES ('apr_orphan', 'default', 'a', 't', 'x', '{}', 'pending', 10, 1)
                    """)
            }
        }
    }

    @Test("two handles on one file (as two processes would be) append audit records concurrently: no SQLITE_BUSY, one intact chain")
    func concurrentWritersAcrossHandles() async throws {
        let directory = TemporaryDirectory()
        let first = try PlatformSchema.open(path: directory.file())
        let second = try PlatformSchema.open(path: directory.file())
        let perTask = 150
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<4 {
                let database = index % 2 == 0 ? first : second
                group.addTask {
                    let audit = AuditLog(database: database)
                    for step in 0..<perTask {
                        try audit.record(AuditEntry(action: "test.write", targetID: "\(index).\(step)"), caller: .local(.cli))
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try AuditLog(database: first).verify() == .intact(records: Int64(4 * perTask)))
    }
}
