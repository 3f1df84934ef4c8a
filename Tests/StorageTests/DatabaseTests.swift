// DatabaseTests: the Sendable writer + readers pool — isolation between readers and an open
// write, concurrency without SQLITE_BUSY, migrations, and data surviving a close and re-open.

import Storage
import Synchronization
import Testing

@Suite("Database")
struct DatabaseTests {
    let directory = TemporaryDirectory()

    static let migrations = [
        Migration(version: 1, name: "create workspaces", sql: "CREATE TABLE workspaces (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"),
        Migration(version: 2, name: "create agents", sql: """
            CREATE TABLE agents (id INTEGER PRIMARY KEY, workspace_id INTEGER NOT NULL REFERENCES workspaces(id), name TEXT NOT NULL);
            CREATE INDEX agents_workspace ON agents (workspace_id);
            """),
    ]

    @Test("readers see committed data and never an uncommitted write")
    func readerIsolation() throws {
        let database = try Database.open(path: directory.file(), migrations: Self.migrations)
        #expect(try database.read { try $0.journalMode() } == "wal")
        let seenDuringWrite = try database.write { connection in
            try connection.transaction { connection in
                try connection.execute("INSERT INTO workspaces (name) VALUES (?)", [.text("a")])
                return try database.read { try $0.queryOne("SELECT count(*) FROM workspaces")?.int(at: 0) }
            }
        }
        #expect(seenDuringWrite == 0)
        for _ in 0..<3 {  // every reader in the round robin
            #expect(try database.read { try $0.queryOne("SELECT count(*) FROM workspaces")?.int(at: 0) } == 1)
        }
    }

    @Test("readers are read-only")
    func readersAreReadOnly() throws {
        let database = try Database.open(path: directory.file(), migrations: Self.migrations)
        #expect(throws: SQLiteError.self) {
            try database.read { try $0.execute("INSERT INTO workspaces (name) VALUES (?)", [.text("x")]) }
        }
    }

    @Test("2 reader tasks doing 2000 selects each and a writer doing 500 transactions see no errors and no SQLITE_BUSY")
    func concurrency() async throws {
        let database = try Database.open(path: directory.file(), migrations: Self.migrations)
        try database.write { try $0.execute("INSERT INTO workspaces (name) VALUES (?)", [.text("root")]) }
        let errors = Atomic<Int>(0)
        let busy = Atomic<Int>(0)
        let record: @Sendable (any Error) -> Void = { error in
            errors.add(1, ordering: .relaxed)
            if let error = error as? SQLiteError, error.isBusy { busy.add(1, ordering: .relaxed) }
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for index in 0..<500 {
                    do {
                        try database.write { connection in
                            try connection.transaction { connection in
                                try connection.execute(
                                    "INSERT INTO agents (workspace_id, name) VALUES (?, ?)", [.integer(1), .text("agent \(index)")])
                                try connection.execute(
                                    "INSERT INTO agents (workspace_id, name) VALUES (?, ?)", [.integer(1), .text("twin \(index)")])
                            }
                        }
                    } catch { record(error) }
                }
            }
            for _ in 0..<2 {
                group.addTask {
                    for _ in 0..<2000 {
                        do {
                            let count = try database.read { connection in
                                try connection.queryOne("SELECT count(*) FROM agents WHERE workspace_id = ?", [.integer(1)])?.int(at: 0) ?? -1
                            }
                            if count % 2 != 0 { record(SQLiteError(extendedResultCode: 1, message: "torn read \(count)", sql: nil)) }
                        } catch { record(error) }
                    }
                }
            }
        }
        #expect(errors.load(ordering: .relaxed) == 0)
        #expect(busy.load(ordering: .relaxed) == 0)
        #expect(try database.read { try $0.queryOne("SELECT count(*) FROM agents")?.int(at: 0) } == 1000)
    }

    @Test("migrations apply once and re-opening is a no-op")
    func migrationsApplyOnce() throws {
        let path = directory.file()
        do {
            let database = try Database.open(path: path, migrations: Self.migrations)
            #expect(try database.schemaVersion == 2)
            #expect(database.knownSchemaVersion == 2)
            let recorded = try database.read { try $0.query("SELECT version, name FROM schema_migrations ORDER BY version") }
            #expect(try recorded.map { try $0.string("name") } == ["create workspaces", "create agents"])
        }
        let database = try Database.open(path: path, migrations: Self.migrations)
        #expect(try database.schemaVersion == 2)
        #expect(try database.read { try $0.queryOne("SELECT count(*) FROM schema_migrations")?.int(at: 0) } == 2)
    }

    @Test("an older database is migrated forward from its version")
    func migratesForward() throws {
        let path = directory.file()
        do { _ = try Database.open(path: path, migrations: Array(Self.migrations.prefix(1))) }
        let database = try Database.open(path: path, migrations: Self.migrations)
        #expect(try database.schemaVersion == 2)
        try database.write { try $0.execute("INSERT INTO workspaces (name) VALUES (?)", [.text("w")]) }
        try database.write { try $0.execute("INSERT INTO agents (workspace_id, name) VALUES (?, ?)", [.integer(1), .text("a")]) }
    }

    @Test("a database with a newer schema version is refused with a clear message")
    func newerSchemaRefused() throws {
        let path = directory.file()
        do {
            let connection = try Connection(path: path)
            try connection.execute("PRAGMA user_version = 7")
        }
        let known = (1...5).map { Migration(version: $0, name: "m\($0)", sql: "CREATE TABLE t\($0) (x);") }
        let error = #expect(throws: MigrationError.self) {
            try Database.open(path: path, migrations: known)
        }
        #expect(error == .newerSchema(found: 7, known: 5))
        #expect(error?.description == "database schema version 7 is newer than this agentbridge (knows 5); upgrade agentbridge")
    }

    @Test("a migration list with a gap is rejected before anything is applied")
    func nonContiguousRejected() throws {
        let path = directory.file()
        let broken = [Self.migrations[0], Migration(version: 3, name: "skip", sql: "CREATE TABLE x (y);")]
        #expect(throws: MigrationError.nonContiguous(expected: 2, found: 3)) {
            try Database.open(path: path, migrations: broken)
        }
    }

    @Test("a failing migration is rolled back and leaves the previous version")
    func failingMigrationRolledBack() throws {
        let path = directory.file()
        let bad = Self.migrations + [Migration(version: 3, name: "bad", sql: "CREATE TABLE ok (x); THIS IS NOT SQL;")]
        #expect(throws: SQLiteError.self) { try Database.open(path: path, migrations: bad) }
        let database = try Database.open(path: path, migrations: Self.migrations)
        #expect(try database.schemaVersion == 2)
        #expect(try database.read { try $0.queryOne("SELECT count(*) FROM sqlite_schema WHERE name = 'ok'")?.int(at: 0) } == 0)
    }

    @Test("the database file survives close and re-open with its data intact")
    func survivesReopen() throws {
        let path = directory.file()
        let payload: [UInt8] = [0, 1, 2, 0, 254, 255]
        do {
            let database = try Database.open(path: path, migrations: Self.migrations)
            try database.write { connection in
                try connection.transaction { connection in
                    try connection.execute("INSERT INTO workspaces (name) VALUES (?)", [.text("kept 🗂")])
                    try connection.execute("CREATE TABLE blobs (b BLOB)")
                    try connection.execute("INSERT INTO blobs (b) VALUES (?)", [.blob(payload)])
                }
            }
        }
        let database = try Database.open(path: path, migrations: Self.migrations)
        #expect(try database.read { try $0.queryOne("SELECT name FROM workspaces")?.string("name") } == "kept 🗂")
        #expect(try database.read { try $0.queryOne("SELECT b FROM blobs")?.blob("b") } == payload)
        #expect(try database.read { try $0.queryOne("PRAGMA integrity_check")?.string(at: 0) } == "ok")
    }
}
