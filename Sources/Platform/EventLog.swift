// EventLog: appends to and reads from the per-session event logs.
//
// Numbering: `sessions.last_event_seq` is the counter. An append bumps it by the number of events
// and inserts them with the reserved numbers in the SAME write transaction, so numbers are
// 1, 2, 3, … with no gap and no duplicate however many tasks append at once (the single writer
// serializes transactions, and a rolled-back append takes its numbers back with it). The
// `(session_id, seq)` primary key would reject a duplicate anyway, and triggers make the table
// append-only. Streamed deltas use the batch form: one transaction for many events.
//
// Other stores append inside their own transactions with `append(…, at:in:)`, so a state change
// (a run completing, an approval resolved) and its event commit together or not at all.

import JSON
import Storage

/// The event logs of one platform database.
public struct EventLog: Sendable {
    /// The largest page `read` returns.
    public static let maxReadLimit = 1000

    private let database: Database
    private let clock: WallClock
    private let gate: AccessGate

    public init(database: Database, clock: WallClock = .system) {
        self.database = database
        self.clock = clock
        self.gate = AccessGate(audit: AuditLog(database: database, clock: clock))
    }

    // MARK: - Append (runtime)

    /// Appends one event to session `sessionID` (which must exist and not be deleted) and returns
    /// its sequence number. `runID`, when given, must be a run of that session.
    @discardableResult
    public func append(sessionID: String, runID: String? = nil, type: EventType, data: JSONValue = .object([:])) throws -> Int64 {
        let now = clock.nowMilliseconds()
        return try database.write { connection in
            try connection.transaction { connection in
                try Self.append(sessionID: sessionID, runID: runID, type: type, data: data, at: now, in: connection)
            }
        }
    }

    /// Appends `batch` to session `sessionID` in one transaction (the fast path for streamed
    /// deltas) and returns the range of sequence numbers they received, in order.
    @discardableResult
    public func append(
        batch: [(runID: String?, type: EventType, data: JSONValue)], sessionID: String
    ) throws -> ClosedRange<Int64> {
        let now = clock.nowMilliseconds()
        return try database.write { connection in
            try connection.transaction { connection in
                try Self.append(batch: batch, sessionID: sessionID, at: now, in: connection)
            }
        }
    }

    /// Appends one event using `connection`, the writer inside an open transaction.
    @discardableResult
    static func append(
        sessionID: String, runID: String?, type: EventType, data: JSONValue, at now: Int64, in connection: Connection
    ) throws -> Int64 {
        try append(batch: [(runID, type, data)], sessionID: sessionID, at: now, in: connection).lowerBound
    }

    /// Appends `batch` using `connection`, the writer inside an open transaction.
    static func append(
        batch: [(runID: String?, type: EventType, data: JSONValue)], sessionID: String, at now: Int64,
        in connection: Connection
    ) throws -> ClosedRange<Int64> {
        precondition(connection.isInTransaction, "EventLog.append must run inside a transaction")
        guard !batch.isEmpty else { throw PlatformError.invalid("$", "a batch needs at least one event") }
        var checkedRuns: Set<String> = []
        for runID in batch.compactMap(\.runID) where checkedRuns.insert(runID).inserted {
            let owner = try connection.queryOne("SELECT session_id FROM runs WHERE id = ?", [.text(runID)])
            guard let owner, try owner.string("session_id") == sessionID else {
                throw PlatformError.invalid("$.run_id", "run \"\(runID)\" is not a run of session \"\(sessionID)\"")
            }
        }
        guard
            let reserved = try connection.queryOne(
                """
                UPDATE sessions SET last_event_seq = last_event_seq + ?, updated_at = max(updated_at, ?)
                WHERE id = ? AND deleted_at IS NULL
                RETURNING last_event_seq, workspace_id
                """,
                [.int(batch.count), .integer(now), .text(sessionID)])
        else { throw PlatformError.notFound(kind: .session, id: sessionID) }
        let last = try reserved.int64("last_event_seq")
        let workspace = try reserved.string("workspace_id")
        let first = last - Int64(batch.count) + 1
        for (offset, event) in batch.enumerated() {
            try connection.execute(
                "INSERT INTO events (session_id, seq, workspace_id, run_id, type, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(sessionID), .integer(first + Int64(offset)), .text(workspace), .optionalText(event.runID),
                    .text(event.type.rawValue), .text(StoredColumn.text(event.data)), .integer(now),
                ])
        }
        return first...last
    }

    // MARK: - Read

    /// Events of session `sessionID` numbered after `after`, oldest first, at most `limit`
    /// (1…1000). Needs `runs:read` (`sessions.read`) on the session.
    public func read(caller: Caller, sessionID: String, after: Int64 = 0, limit: Int = 100) throws -> [Event] {
        try gate.check(caller, .readSessions)
        try Self.checkPage(after: after, limit: limit)
        guard let session = try database.read({ try SessionStore.load(id: sessionID, in: $0) }), session.deletedAt == nil else {
            throw PlatformError.notFound(kind: .session, id: sessionID)
        }
        try gate.check(caller, .readSessions, session.objectRef)
        let rows = try database.read { connection in
            try connection.query(
                "SELECT * FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                [.text(sessionID), .integer(after), .int(limit)])
        }
        return try rows.map(Self.event(from:))
    }

    /// Events of run `runID` numbered (in its session's log) after `after`, oldest first, at most
    /// `limit` (1…1000). Needs `runs:read` on the run.
    public func read(caller: Caller, runID: String, after: Int64 = 0, limit: Int = 100) throws -> [Event] {
        try gate.check(caller, .readRuns)
        try Self.checkPage(after: after, limit: limit)
        guard let run = try database.read({ try RunStore.load(id: runID, in: $0) }) else {
            throw PlatformError.notFound(kind: .run, id: runID)
        }
        try gate.check(caller, .readRuns, run.objectRef)
        let rows = try database.read { connection in
            try connection.query(Self.runEventsSQL, [.text(run.sessionID), .text(runID), .integer(after), .int(limit)])
        }
        return try rows.map(Self.event(from:))
    }

    /// A run's events after a seq. INDEXED BY: left to itself the planner prefers the primary
    /// key (session_id, seq), which satisfies ORDER BY but walks every event of the session —
    /// each run read then cost O(session length), and runs of long sessions slowed down linearly.
    static let runEventsSQL =
        "SELECT * FROM events INDEXED BY events_by_run WHERE session_id = ? AND run_id = ? AND seq > ? ORDER BY seq LIMIT ?"

    private static func checkPage(after: Int64, limit: Int) throws {
        let issues = ValidationIssues()
        if after < 0 { issues.add("$.after", "must be 0 or more (got \(after))") }
        if !(1...maxReadLimit).contains(limit) { issues.add("$.limit", "must be between 1 and \(maxReadLimit) (got \(limit))") }
        try issues.throwIfAny()
    }

    static func event(from row: Row) throws -> Event {
        Event(
            sessionID: try row.string("session_id"), seq: try row.int64("seq"), runID: try row.optionalString("run_id"),
            type: try StoredColumn.value(row, "type"), data: try StoredColumn.json(row, "data"),
            createdAt: try row.int64("created_at"))
    }
}
