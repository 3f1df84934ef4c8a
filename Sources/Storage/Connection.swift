// Connection: one SQLite connection, configured the way this project needs (WAL, busy_timeout,
// foreign keys on, a deliberate `synchronous`, extended result codes) with a cache of prepared
// statements. It is deliberately NOT Sendable: SQLite is opened with NOMUTEX (multi-thread mode),
// so a connection must be used by one thread at a time; `Database` guarantees that by only ever
// handing a connection out inside its Mutex.
//
// Why WAL + synchronous=NORMAL: readers never block the writer and the writer never blocks
// readers; every commit survives an application crash including kill -9 (the WAL is in the OS
// page cache); a power loss or OS crash may lose the last transactions but never corrupts the
// file. Choose `durability: .full` to fsync every commit.

import CSQLite

/// A confined SQLite connection.
public final class Connection {
    let handle: OpaquePointer
    /// The path this connection opened.
    public let path: String
    /// Whether this connection was opened read-only.
    public let isReadOnly: Bool
    /// SQL text → prepared statement. SQL is code, not data (values are bound), so the set of
    /// keys is bounded by the program's own statements.
    private var cache: [String: Statement] = [:]
    private var savepointDepth = 0
    private var isClosed = false

    /// Opens (creating if needed, unless `readOnly`) the database at `path` and configures it.
    public init(path: String, readOnly: Bool = false, configuration: DatabaseConfiguration = .init()) throws {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let error = SQLiteError(db: db, code: code, sql: nil)
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(
                extendedResultCode: error.extendedResultCode,
                message: "cannot open database at \(path): \(error.message)", sql: nil)
        }
        handle = db
        self.path = path
        isReadOnly = readOnly
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, configuration.busyTimeoutMilliseconds)
        do {
            let inMemory = path.isEmpty || path == ":memory:" || path.hasPrefix("file::memory:")
            if !readOnly {
                let mode = try queryOne("PRAGMA journal_mode=WAL").flatMap { try? $0.string(at: 0) }
                if !inMemory && mode?.lowercased() != "wal" {
                    throw SQLiteError(
                        extendedResultCode: SQLITE_ERROR,
                        message: "could not switch \(path) to WAL journal mode (got \(mode ?? "nothing"))",
                        sql: "PRAGMA journal_mode=WAL")
                }
            }
            try execute("PRAGMA foreign_keys=ON")
            // The value is one of two constants from `Durability`, never user input.
            try execute("PRAGMA synchronous=\(configuration.durability.pragmaValue)")
        } catch {
            closeNow()
            throw error
        }
    }

    deinit { closeNow() }

    private func closeNow() {
        // Idempotent: a throwing init closes explicitly and deinit may run afterwards.
        guard !isClosed else { return }
        isClosed = true
        for statement in cache.values { statement.finalize() }
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    // MARK: statements

    private func prepare(_ sql: String, persistent: Bool) throws(SQLiteError) -> Statement {
        var statement: OpaquePointer?
        var trailing = false
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sql.withCString { start -> Int32 in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(handle, start, -1, flags, &statement, &tail)
            if code == SQLITE_OK, var cursor = tail {
                while cursor.pointee != 0 {
                    let byte = UInt8(bitPattern: cursor.pointee)
                    if byte != 0x20 && byte != 0x0a && byte != 0x0d && byte != 0x09 && byte != 0x3b {
                        trailing = true
                        break
                    }
                    cursor += 1
                }
            }
            return code
        }
        guard code == SQLITE_OK else { throw SQLiteError(db: handle, code: code, sql: sql) }
        guard let statement else {
            throw SQLiteError(extendedResultCode: SQLITE_MISUSE, message: "no SQL statement in the text", sql: sql)
        }
        if trailing {
            sqlite3_finalize(statement)
            throw SQLiteError(
                extendedResultCode: SQLITE_MISUSE,
                message: "more than one SQL statement; use executeScript for multi-statement SQL without parameters",
                sql: sql)
        }
        return Statement(handle: statement, db: handle, sql: sql)
    }

    /// Runs `body` with the (cached) prepared statement for `sql`, with `params` bound. The
    /// statement is always reset and its bindings cleared afterwards, even if `body` throws or
    /// stops stepping early. A re-entrant use of the same SQL gets a temporary statement.
    public func withStatement<T>(_ sql: String, _ params: [SQLValue] = [], _ body: (Statement) throws -> T) throws -> T {
        let statement: Statement
        var temporary = false
        if let cached = cache[sql], !cached.inUse {
            statement = cached
        } else if cache[sql] != nil {
            statement = try prepare(sql, persistent: false)
            temporary = true
        } else {
            statement = try prepare(sql, persistent: true)
            cache[sql] = statement
        }
        statement.inUse = true
        defer {
            statement.reset()
            statement.inUse = false
            if temporary { statement.finalize() }
        }
        try statement.bind(params)
        return try body(statement)
    }

    /// Runs one statement to completion (rows, if any, are discarded).
    public func execute(_ sql: String, _ params: [SQLValue] = []) throws {
        try withStatement(sql, params) { statement in
            while try statement.step() {}
        }
    }

    /// Runs one statement and returns all its rows.
    public func query(_ sql: String, _ params: [SQLValue] = []) throws -> [Row] {
        try withStatement(sql, params) { try $0.allRows() }
    }

    /// Runs one statement and returns its first row, or nil if there is none.
    public func queryOne(_ sql: String, _ params: [SQLValue] = []) throws -> Row? {
        try withStatement(sql, params) { statement in
            try statement.step() ? statement.currentRow() : nil
        }
    }

    /// Runs several `;`-separated statements that take no parameters (migrations). Never pass
    /// text that contains values: there is no way to bind them here.
    public func executeScript(_ sql: String) throws(SQLiteError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if code != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) }
            sqlite3_free(errorMessage)
            let error = SQLiteError(db: handle, code: code, sql: sql)
            throw SQLiteError(extendedResultCode: error.extendedResultCode, message: message ?? error.message, sql: sql)
        }
    }

    // MARK: transactions

    /// Whether a transaction is open on this connection.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws. Nested
    /// calls become savepoints, so an inner failure undoes only the inner work.
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: (Connection) throws -> T) throws -> T {
        if isInTransaction {
            savepointDepth += 1
            defer { savepointDepth -= 1 }
            // The name is built from a counter, never from input.
            let name = "agentbridge_sp\(savepointDepth)"
            try execute("SAVEPOINT \(name)")
            do {
                let result = try body(self)
                try execute("RELEASE \(name)")
                return result
            } catch {
                try? execute("ROLLBACK TO \(name)")
                try? execute("RELEASE \(name)")
                throw error
            }
        }
        try execute(kind.beginSQL)
        do {
            let result = try body(self)
            try execute("COMMIT")
            return result
        } catch {
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    // MARK: results of the last statement

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the most recent INSERT/UPDATE/DELETE on this connection.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// Rows changed since the connection was opened.
    public var totalChanges: Int { Int(sqlite3_total_changes64(handle)) }

    /// The journal mode as SQLite reports it (`wal` for file databases).
    public func journalMode() throws -> String {
        try queryOne("PRAGMA journal_mode")?.string(at: 0) ?? ""
    }

    /// `PRAGMA user_version`.
    public func userVersion() throws -> Int {
        try queryOne("PRAGMA user_version")?.int(at: 0) ?? 0
    }
}

/// Explicitly not Sendable: a connection may only be used by one thread at a time (NOMUTEX).
@available(*, unavailable)
extension Connection: Sendable {}
