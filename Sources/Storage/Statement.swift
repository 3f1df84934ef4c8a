// Statement: one prepared SQLite statement owned by a Connection. Values are only ever bound as
// parameters. It is deliberately not Sendable: it belongs to its connection's confinement domain.
// Use it through `Connection.withStatement`, which always resets it, because a stepped-but-not-
// reset SELECT keeps a read transaction open (COMMIT then fails with "SQL statements in
// progress", and in WAL mode it pins a snapshot and blocks checkpoints).

import CSQLite

/// `SQLITE_TRANSIENT` is a C macro cast and is not imported: SQLite copies the bytes at bind time.
private let transientDestructor = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement; valid only inside the `withStatement` call that produced it.
public final class Statement {
    let handle: OpaquePointer
    private let db: OpaquePointer
    /// The SQL text (never with values in it).
    public let sql: String
    /// Set while a `withStatement` body uses this cached statement.
    var inUse = false
    private var cachedColumns: [String]?

    init(handle: OpaquePointer, db: OpaquePointer, sql: String) {
        self.handle = handle
        self.db = db
        self.sql = sql
    }

    func finalize() { sqlite3_finalize(handle) }

    private func check(_ code: Int32) throws(SQLiteError) {
        guard code == SQLITE_OK else { throw SQLiteError(db: db, code: code, sql: sql) }
    }

    /// Binds `params` to `?` parameters 1…n. The count must match the statement exactly.
    public func bind(_ params: [SQLValue]) throws(SQLiteError) {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == params.count else {
            throw SQLiteError(
                extendedResultCode: SQLITE_RANGE,
                message: "statement has \(expected) parameters but \(params.count) values were given",
                sql: sql)
        }
        for (offset, value) in params.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null:
                try check(sqlite3_bind_null(handle, index))
            case let .integer(number):
                try check(sqlite3_bind_int64(handle, index, number))
            case let .real(number):
                try check(sqlite3_bind_double(handle, index, number))
            case let .text(text):
                var text = text
                let code = text.withUTF8 { buffer -> Int32 in
                    guard let base = buffer.baseAddress, buffer.count > 0 else {
                        return sqlite3_bind_text(handle, index, "", 0, transientDestructor)
                    }
                    return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                        sqlite3_bind_text64(handle, index, $0, sqlite3_uint64(buffer.count), transientDestructor, UInt8(SQLITE_UTF8))
                    }
                }
                try check(code)
            case let .blob(bytes):
                let code = bytes.withUnsafeBytes { buffer -> Int32 in
                    guard let base = buffer.baseAddress, buffer.count > 0 else {
                        return sqlite3_bind_zeroblob(handle, index, 0)  // empty, not NULL
                    }
                    return sqlite3_bind_blob64(handle, index, base, sqlite3_uint64(buffer.count), transientDestructor)
                }
                try check(code)
            }
        }
    }

    /// Advances to the next row: true if a row is available, false when done.
    public func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteError(db: db, code: code, sql: sql)
        }
    }

    /// The result column names.
    public var columnNames: [String] {
        if let cachedColumns { return cachedColumns }
        let names = (0..<sqlite3_column_count(handle)).map { index in
            sqlite3_column_name(handle, index).map { String(cString: $0) } ?? ""
        }
        cachedColumns = names
        return names
    }

    /// The value of column `index` of the current row.
    public func column(_ index: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            guard let pointer = sqlite3_column_text(handle, index) else { return .text("") }
            let count = Int(sqlite3_column_bytes(handle, index))
            return .text(String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            guard let pointer = sqlite3_column_blob(handle, index) else { return .blob([]) }
            let count = Int(sqlite3_column_bytes(handle, index))
            return .blob(Array(UnsafeRawBufferPointer(start: pointer, count: count)))
        default:
            return .null
        }
    }

    /// The current row, copied into Swift values.
    public func currentRow() -> Row {
        let names = columnNames
        return Row(columns: names, values: (0..<Int32(names.count)).map { column($0) })
    }

    /// Steps to the end, collecting every row.
    public func allRows() throws(SQLiteError) -> [Row] {
        var rows: [Row] = []
        while try step() { rows.append(currentRow()) }
        return rows
    }

    /// Resets the statement (ending its read transaction) and clears its bindings.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }
}

/// Explicitly not Sendable: a statement belongs to its connection's confinement domain.
@available(*, unavailable)
extension Statement: Sendable {}
