// SQLiteError: what went wrong inside SQLite, with enough detail to act on (the primary and
// extended result code, e.g. SQLITE_CONSTRAINT / SQLITE_CONSTRAINT_UNIQUE) and to debug (the
// message and the SQL text). Bound values are deliberately never included: they may be secrets.

import CSQLite

/// An error reported by SQLite (or by this wrapper about how SQLite was used).
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The primary result code (`SQLITE_CONSTRAINT`, `SQLITE_BUSY`, …): the low 8 bits.
    public let resultCode: Int32
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_CONSTRAINT_FOREIGNKEY`, …).
    public let extendedResultCode: Int32
    /// The message from `sqlite3_errmsg`, or this wrapper's own explanation.
    public let message: String
    /// The SQL statement involved, if any. Never contains bound values.
    public let sql: String?

    public init(extendedResultCode: Int32, message: String, sql: String?) {
        self.resultCode = extendedResultCode & 0xff
        self.extendedResultCode = extendedResultCode
        self.message = message
        self.sql = sql
    }

    /// Builds an error from the state of connection `db` after a failed call.
    init(db: OpaquePointer?, code: Int32, sql: String?) {
        let extended = db.map { sqlite3_extended_errcode($0) } ?? code
        // The connection's code is authoritative unless it was reset to OK by a later call.
        let chosen = (extended & 0xff) == (code & 0xff) ? extended : code
        let text: String
        if let db, let cString = sqlite3_errmsg(db) {
            text = String(cString: cString)
        } else if let cString = sqlite3_errstr(code) {
            text = String(cString: cString)
        } else {
            text = "unknown error"
        }
        self.init(extendedResultCode: chosen, message: text, sql: sql)
    }

    /// True for SQLITE_BUSY and SQLITE_LOCKED: another connection held a lock for too long.
    public var isBusy: Bool { resultCode == SQLITE_BUSY || resultCode == SQLITE_LOCKED }

    /// True for any constraint violation (UNIQUE, FOREIGN KEY, NOT NULL, CHECK, …).
    public var isConstraintViolation: Bool { resultCode == SQLITE_CONSTRAINT }

    public var description: String {
        var text = "SQLite error \(resultCode) (extended \(extendedResultCode)): \(message)"
        if let sql { text += " — in: \(sql)" }
        return text
    }
}

// The extended codes are C macros built with `|` and `<<`, which Swift does not import, so the
// ones callers branch on are spelled out here (values from sqlite3.h).
extension SQLiteError {
    /// `SQLITE_CONSTRAINT_CHECK` (19 | 1 << 8).
    public static let constraintCheck: Int32 = 275
    /// `SQLITE_CONSTRAINT_FOREIGNKEY` (19 | 3 << 8).
    public static let constraintForeignKey: Int32 = 787
    /// `SQLITE_CONSTRAINT_NOTNULL` (19 | 5 << 8).
    public static let constraintNotNull: Int32 = 1299
    /// `SQLITE_CONSTRAINT_PRIMARYKEY` (19 | 6 << 8).
    public static let constraintPrimaryKey: Int32 = 1555
    /// `SQLITE_CONSTRAINT_UNIQUE` (19 | 8 << 8).
    public static let constraintUnique: Int32 = 2067

    /// True for a UNIQUE or PRIMARY KEY violation (a duplicate).
    public var isUniqueViolation: Bool {
        extendedResultCode == Self.constraintUnique || extendedResultCode == Self.constraintPrimaryKey
    }

    /// True for a FOREIGN KEY violation.
    public var isForeignKeyViolation: Bool { extendedResultCode == Self.constraintForeignKey }
}
