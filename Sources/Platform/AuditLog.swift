// AuditLog: an append-only, hash-chained record of every mutation and every authorization
// failure. Each record's hash is SHA-256(previous hash ‖ canonical JSON of its fields), the first
// record chains from 32 zero bytes, and `audit_head` keeps the newest (seq, hash). `verify` walks
// the whole chain: an edited field breaks that record's hash, a deleted row breaks the sequence
// and the next record's link, and a truncated tail no longer matches the head.
//
// Mutations call `append(_:caller:at:in:)` inside their own write transaction, so a change and its
// record commit (or roll back) together; the writer connection is serialized, so the chain never
// forks.

import Hashing
import JSON
import Storage

/// The audit log of one platform database.
public struct AuditLog: Sendable {
    /// The link before the first record.
    public static let genesisHash = [UInt8](repeating: 0, count: 32)

    private let database: Database
    private let clock: WallClock

    public init(database: Database, clock: WallClock = .system) {
        self.database = database
        self.clock = clock
    }

    // MARK: - Append

    /// Appends `entry` for `caller` using `connection`, which must be the writer inside an open
    /// transaction. Returns the new record's sequence number.
    @discardableResult
    public static func append(_ entry: AuditEntry, caller: Caller, at now: Int64, in connection: Connection) throws -> Int64 {
        precondition(connection.isInTransaction, "AuditLog.append must run inside the mutation's transaction")
        let head = try connection.queryOne("SELECT seq, hash FROM audit_head WHERE singleton = 1")
        let previousSeq = try head?.int64("seq") ?? 0
        let previousHash = try head?.blob("hash") ?? genesisHash
        let seq = previousSeq + 1
        let detail = entry.detail.map { JSONWriter.string($0, sortKeys: true) }
        let hash = Self.hash(
            previous: previousHash, seq: seq, workspaceID: caller.workspaceID, at: now, actor: caller.principal.actorID,
            origin: caller.origin.rawValue, action: entry.action, targetKind: entry.targetKind?.rawValue,
            targetID: entry.targetID, outcome: entry.outcome.rawValue, detail: detail)
        try connection.execute(
            """
            INSERT INTO audit_log
                (seq, workspace_id, at, actor, origin, action, target_kind, target_id, outcome, detail, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(seq), .text(caller.workspaceID), .integer(now), .text(caller.principal.actorID),
                .text(caller.origin.rawValue), .text(entry.action), .optionalText(entry.targetKind?.rawValue),
                .optionalText(entry.targetID), .text(entry.outcome.rawValue), .optionalText(detail),
                .blob(previousHash), .blob(hash),
            ])
        try connection.execute(
            "INSERT INTO audit_head (singleton, seq, hash) VALUES (1, ?, ?) ON CONFLICT (singleton) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            [.integer(seq), .blob(hash)])
        return seq
    }

    /// Records `entry` in a transaction of its own (for denials and failures, where there is no
    /// mutation to join).
    @discardableResult
    public func record(_ entry: AuditEntry, caller: Caller) throws -> Int64 {
        let now = clock.nowMilliseconds()
        return try database.write { connection in
            try connection.transaction { connection in try Self.append(entry, caller: caller, at: now, in: connection) }
        }
    }

    /// The hash of one record's fields chained to `previous`.
    static func hash(
        previous: [UInt8], seq: Int64, workspaceID: String, at: Int64, actor: String, origin: String, action: String,
        targetKind: String?, targetID: String?, outcome: String, detail: String?
    ) -> [UInt8] {
        let fields: JSONValue = .array([
            .int(seq), .string(workspaceID), .int(at), .string(actor), .string(origin), .string(action),
            targetKind.map(JSONValue.string) ?? .null, targetID.map(JSONValue.string) ?? .null,
            .string(outcome), detail.map(JSONValue.string) ?? .null,
        ])
        var hasher = SHA256()
        hasher.update(previous)
        hasher.update(JSONWriter.bytes(fields))
        return hasher.finalize()
    }

    // MARK: - Read

    /// Records of the caller's workspace with `seq > after`, oldest first, at most `limit`.
    /// Needs `audit:read`.
    public func list(caller: Caller, after: Int64 = 0, limit: Int = 100) throws -> [AuditRecord] {
        if case .deny(let denial) = Policy.authorize(caller.principal, action: .readAudit, object: nil) {
            try record(AuditEntry(action: Action.readAudit.rawValue, outcome: .denied, detail: ["reason": .string(denial.description)]), caller: caller)
            throw PlatformError.forbidden(Action.readAudit.requiredScope)
        }
        guard (1...1000).contains(limit) else { throw PlatformError.invalid("$.limit", "must be between 1 and 1000 (got \(limit))") }
        return try database.read { connection in
            try connection.query(
                "SELECT * FROM audit_log WHERE workspace_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                [.text(caller.workspaceID), .integer(after), .int(limit)]
            ).map(Self.record(from:))
        }
    }

    private static func record(from row: Row) throws -> AuditRecord {
        AuditRecord(
            seq: try row.int64("seq"), workspaceID: try row.string("workspace_id"), at: try row.int64("at"),
            actor: try row.string("actor"), origin: try row.string("origin"), action: try row.string("action"),
            targetKind: try row.optionalString("target_kind"), targetID: try row.optionalString("target_id"),
            outcome: try row.string("outcome"), detail: try row.optionalString("detail"),
            previousHash: try row.blob("prev_hash"), hash: try row.blob("hash"))
    }

    // MARK: - Verify

    /// The result of walking the chain.
    public enum Verification: Sendable, Hashable, CustomStringConvertible {
        /// Every record links and hashes correctly, and the head matches the last one.
        case intact(records: Int64)
        /// The first problem found.
        case broken(seq: Int64, reason: String)

        public var description: String {
            switch self {
            case .intact(let count): "audit chain intact: \(count) records"
            case .broken(let seq, let reason): "audit chain BROKEN at record \(seq): \(reason)"
            }
        }
    }

    /// Walks every record in order (whole database, all workspaces: the chain is global).
    public func verify() throws -> Verification {
        try database.read { connection in
            var expectedSeq: Int64 = 1
            var previous = Self.genesisHash
            var broken: Verification?
            try connection.withStatement("SELECT * FROM audit_log ORDER BY seq") { statement in
                while broken == nil, try statement.step() {
                    let record = try Self.record(from: statement.currentRow())
                    if record.seq != expectedSeq {
                        broken = .broken(seq: expectedSeq, reason: "record missing (next present is \(record.seq))")
                    } else if record.previousHash != previous {
                        broken = .broken(seq: record.seq, reason: "link to the previous record does not match (a record before it was changed or removed)")
                    } else {
                        let computed = Self.hash(
                            previous: previous, seq: record.seq, workspaceID: record.workspaceID, at: record.at,
                            actor: record.actor, origin: record.origin, action: record.action,
                            targetKind: record.targetKind, targetID: record.targetID, outcome: record.outcome,
                            detail: record.detail)
                        if computed != record.hash {
                            broken = .broken(seq: record.seq, reason: "contents do not match the stored hash (the record was modified)")
                        }
                    }
                    previous = record.hash
                    expectedSeq = record.seq + 1
                }
            }
            if let broken { return broken }
            let head = try connection.queryOne("SELECT seq, hash FROM audit_head WHERE singleton = 1")
            let count = expectedSeq - 1
            let headSeq = try head?.int64("seq") ?? 0
            let headHash = try head?.blob("hash") ?? Self.genesisHash
            if headSeq != count || headHash != previous {
                return .broken(seq: count + 1, reason: "the log ends at record \(count) but the head says \(headSeq) (records were removed from the end)")
            }
            return .intact(records: count)
        }
    }
}
