// ConnectionTests: the single-connection wrapper — value round trips, bound parameters as data,
// result codes in errors, foreign keys, transactions, WAL, statement reset, typed rows.

import CSQLite
import Storage
import Testing

@Suite("Connection")
struct ConnectionTests {
    let directory = TemporaryDirectory()

    func open() throws -> Connection {
        let connection = try Connection(path: directory.file())
        try connection.executeScript("""
            CREATE TABLE items (id INTEGER PRIMARY KEY, value);
            CREATE TABLE parents (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
            CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents(id));
            """)
        return connection
    }

    @Test("every SQLValue type survives a round trip, including blobs with NULs and text with emoji")
    func roundTrip() throws {
        let connection = try open()
        let values: [SQLValue] = [
            .null, .integer(0), .integer(Int64.max), .integer(Int64.min), .real(3.25), .real(-0.5),
            .text(""), .text("héllo 👩‍💻 wörld"), .text("nul\u{0}inside"), .blob([]), .blob([0, 1, 0, 255, 0]),
        ]
        for value in values {
            try connection.execute("INSERT INTO items (value) VALUES (?)", [value])
            let id = connection.lastInsertRowID
            let row = try #require(try connection.queryOne("SELECT value FROM items WHERE id = ?", [.integer(id)]))
            #expect(try row.value("value") == value)
        }
    }

    @Test("bound parameters treat SQL injection text as data")
    func injectionIsData() throws {
        let connection = try open()
        let hostile = "'; DROP TABLE items; --"
        try connection.execute("INSERT INTO items (value) VALUES (?)", [.text(hostile)])
        let rows = try connection.query("SELECT value FROM items WHERE value = ?", [.text(hostile)])
        #expect(rows.count == 1)
        #expect(try rows[0].string("value") == hostile)
        #expect(try connection.queryOne("SELECT count(*) AS n FROM items")?.int("n") == 1)
    }

    @Test("a UNIQUE violation carries SQLITE_CONSTRAINT and SQLITE_CONSTRAINT_UNIQUE but not the bound value")
    func uniqueViolation() throws {
        let connection = try open()
        try connection.execute("INSERT INTO parents (name) VALUES (?)", [.text("secret-value-1")])
        let error = #expect(throws: SQLiteError.self) {
            try connection.execute("INSERT INTO parents (name) VALUES (?)", [.text("secret-value-1")])
        }
        #expect(error?.resultCode == SQLITE_CONSTRAINT)
        #expect(error?.extendedResultCode == SQLiteError.constraintUnique)
        #expect(error?.isUniqueViolation == true)
        #expect(error?.isConstraintViolation == true)
        #expect(error?.sql == "INSERT INTO parents (name) VALUES (?)")
        #expect(error?.description.contains("secret-value-1") == false)
    }

    @Test("foreign keys are enforced and report SQLITE_CONSTRAINT_FOREIGNKEY")
    func foreignKeys() throws {
        let connection = try open()
        let error = #expect(throws: SQLiteError.self) {
            try connection.execute("INSERT INTO children (parent_id) VALUES (?)", [.integer(42)])
        }
        #expect(error?.resultCode == SQLITE_CONSTRAINT)
        #expect(error?.extendedResultCode == SQLiteError.constraintForeignKey)
        #expect(error?.isForeignKeyViolation == true)
        #expect(try connection.queryOne("PRAGMA foreign_keys")?.int(at: 0) == 1)
    }

    @Test("a transaction that throws is rolled back and leaves no partial rows")
    func rollbackOnThrow() throws {
        struct Boom: Error {}
        let connection = try open()
        #expect(throws: Boom.self) {
            try connection.transaction { connection in
                try connection.execute("INSERT INTO items (value) VALUES (?)", [.integer(1)])
                try connection.execute("INSERT INTO items (value) VALUES (?)", [.integer(2)])
                throw Boom()
            }
        }
        #expect(try connection.queryOne("SELECT count(*) FROM items")?.int(at: 0) == 0)
        #expect(connection.isInTransaction == false)
    }

    @Test("a nested transaction that throws undoes only its own work")
    func nestedSavepoint() throws {
        struct Boom: Error {}
        let connection = try open()
        try connection.transaction { connection in
            try connection.execute("INSERT INTO items (value) VALUES (?)", [.integer(1)])
            _ = try? connection.transaction { connection in
                try connection.execute("INSERT INTO items (value) VALUES (?)", [.integer(2)])
                throw Boom()
            }
        }
        let values = try connection.query("SELECT value FROM items ORDER BY id").map { try $0.int("value") }
        #expect(values == [1])
    }

    @Test("the journal mode reads back as wal and synchronous follows the durability setting")
    func walMode() throws {
        let connection = try open()
        #expect(try connection.journalMode() == "wal")
        #expect(try connection.queryOne("PRAGMA synchronous")?.int(at: 0) == 1)  // NORMAL
        let full = try Connection(path: directory.file("full.sqlite"), configuration: .init(durability: .full))
        #expect(try full.queryOne("PRAGMA synchronous")?.int(at: 0) == 2)  // FULL
    }

    @Test("statements are reset so COMMIT after a partially read query does not fail")
    func statementsAreReset() throws {
        let connection = try open()
        for value in 1...5 { try connection.execute("INSERT INTO items (value) VALUES (?)", [.integer(Int64(value))]) }
        try connection.execute("BEGIN IMMEDIATE")
        // queryOne stops after the first of five rows; the statement must still be reset.
        _ = try connection.queryOne("SELECT value FROM items ORDER BY id")
        _ = try connection.withStatement("SELECT value FROM items") { try $0.step() }
        try connection.execute("INSERT INTO items (value) VALUES (?)", [.integer(6)])
        try connection.execute("COMMIT")
        #expect(try connection.queryOne("SELECT count(*) FROM items")?.int(at: 0) == 6)
    }

    @Test("the same SQL used re-entrantly inside withStatement still works")
    func reentrantStatement() throws {
        let connection = try open()
        for value in 1...3 { try connection.execute("INSERT INTO items (value) VALUES (?)", [.integer(Int64(value))]) }
        let sql = "SELECT value FROM items WHERE value >= ? ORDER BY value"
        let pairs = try connection.withStatement(sql, [.integer(1)]) { outer in
            var pairs: [Int] = []
            while try outer.step() {
                let first = try outer.currentRow().int("value")
                pairs.append(try connection.query(sql, [.integer(Int64(first))]).count)
            }
            return pairs
        }
        #expect(pairs == [3, 2, 1])
    }

    @Test("a wrong number of parameters is an SQLITE_RANGE error")
    func parameterCount() throws {
        let connection = try open()
        let error = #expect(throws: SQLiteError.self) {
            try connection.execute("INSERT INTO items (value) VALUES (?)", [])
        }
        #expect(error?.resultCode == SQLITE_RANGE)
    }

    @Test("more than one statement in execute is refused instead of silently ignored")
    func multipleStatementsRefused() throws {
        let connection = try open()
        #expect(throws: SQLiteError.self) {
            try connection.execute("INSERT INTO items (value) VALUES (1); DROP TABLE items")
        }
        #expect(try connection.queryOne("SELECT count(*) FROM items")?.int(at: 0) == 0)
    }

    @Test("typed row access reports a missing column and a wrong type precisely")
    func rowErrors() throws {
        let connection = try open()
        try connection.execute("INSERT INTO items (value) VALUES (?)", [.text("x")])
        let row = try #require(try connection.queryOne("SELECT id, value, NULL AS absent FROM items"))
        #expect(throws: RowError.missingColumn(name: "nope", available: ["id", "value", "absent"])) {
            try row.string("nope")
        }
        #expect(throws: RowError.typeMismatch(column: "value", expected: "integer", actual: "text")) {
            try row.int("value")
        }
        #expect(throws: RowError.typeMismatch(column: "absent", expected: "text", actual: "null")) {
            try row.string("absent")
        }
        #expect(try row.optionalString("absent") == nil)
        #expect(try row.string(at: 1) == "x")
        #expect(throws: RowError.indexOutOfRange(index: 3, count: 3)) { try row.value(at: 3) }
    }

    @Test("changes counts the rows touched by the last statement")
    func changesCount() throws {
        let connection = try open()
        for value in 1...4 { try connection.execute("INSERT INTO items (value) VALUES (?)", [.integer(Int64(value))]) }
        try connection.execute("UPDATE items SET value = value + 10 WHERE value > ?", [.integer(2)])
        #expect(connection.changes == 2)
    }
}
