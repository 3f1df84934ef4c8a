// SessionStore: finds, creates, lists and retires sessions.
//
// Resolution follows the Agentic-App seed (strongest identifier wins):
// - `sessionID` only finds an existing, non-deleted session of `agentID`; it never creates. A
//   `userReference` given with it must be the session's owner and a `sessionReference` given with
//   it must be the session's reference; a mismatch is answered exactly like a missing session
//   (so an owner is never revealed) and the owner mismatch is audited as denied.
// - `sessionReference` finds the live session with that reference for the agent, or creates one
//   whose owner is `userReference` (or, when none is given, the reference itself). When the
//   session exists and a different `userReference` is given, the call is refused with a
//   `conflict` that says the reference is taken by another user's session, without naming that
//   user (a conflict, not a not-found, because "not found" would invite the caller to create it,
//   which the unique reference forbids); the attempt is audited as denied.
// - `userReference` alone always creates a new session owned by that user.
// Find-or-create runs inside one write transaction on the single writer, and the unique index
// over live references backs it up, so concurrent resolvers of one new reference get ONE session.
// Creating pins the agent's current version; an unknown or archived agent is not found and a
// paused agent is a conflict. A found session is returned whatever its status: a closed session
// is refused later, when a run is started in it.

import Hashing
import JSON
import Storage

/// Session persistence and resolution.
public struct SessionStore: Sendable {
    /// Longest `session_reference` / `user_reference`, in characters.
    public static let maxReferenceLength = 256
    /// Longest title, in characters.
    public static let maxTitleLength = 256

    private let database: Database
    private let clock: WallClock
    private let gate: AccessGate

    public init(database: Database, clock: WallClock = .system) {
        self.database = database
        self.clock = clock
        self.gate = AccessGate(audit: AuditLog(database: database, clock: clock))
    }

    // MARK: - Resolve

    /// The session a run of `agentID` should use, and whether it was created by this call. Needs
    /// `runs:write` (`sessions.write`); see the file header for the rules.
    public func resolve(
        caller: Caller,
        agentID: String,
        sessionID: String? = nil,
        sessionReference: String? = nil,
        userReference: String? = nil
    ) throws -> (session: Session, created: Bool) {
        try gate.check(caller, .writeSessions)
        let issues = ValidationIssues()
        if sessionID == nil && sessionReference == nil && userReference == nil {
            issues.add("$", "give session_id, session_reference or user_reference")
        }
        if let sessionReference {
            _ = SpecReader.check(sessionReference, at: "$.session_reference", maxLength: Self.maxReferenceLength, allowControl: false, issues: issues)
        }
        if let userReference {
            _ = SpecReader.check(userReference, at: "$.user_reference", maxLength: Self.maxReferenceLength, allowControl: false, issues: issues)
        }
        try issues.throwIfAny()
        // An agent outside the caller's restriction is answered (and audited) as not found.
        try gate.check(caller, .writeSessions, .agent(agentID, workspace: caller.workspaceID))
        if let sessionID {
            let session = try existing(
                caller: caller, agentID: agentID, sessionID: sessionID, sessionReference: sessionReference,
                userReference: userReference)
            return (session, false)
        }
        return try findOrCreate(caller: caller, agentID: agentID, sessionReference: sessionReference, userReference: userReference)
    }

    private func existing(
        caller: Caller, agentID: String, sessionID: String, sessionReference: String?, userReference: String?
    ) throws -> Session {
        let missing = PlatformError.notFound(kind: .session, id: sessionID)
        guard let session = try database.read({ try Self.load(id: sessionID, in: $0) }), session.deletedAt == nil
        else { throw missing }
        try gate.check(caller, .writeSessions, session.objectRef)
        guard session.agentID == agentID else { throw missing }
        if let sessionReference, session.sessionReference != sessionReference { throw missing }
        if let userReference, userReference != session.userReference {
            try gate.audit.record(
                AuditEntry(
                    action: "sessions.resolve", targetKind: .session, targetID: session.id, outcome: .denied,
                    detail: ["reason": "user_reference does not match the session owner"]),
                caller: caller)
            throw missing
        }
        return session
    }

    private enum Resolution: Sendable {
        case found(Session)
        case created(Session)
        case ownerMismatch(Session)
        case agentMissing
        case agentPaused
    }

    private func findOrCreate(
        caller: Caller, agentID: String, sessionReference: String?, userReference: String?
    ) throws -> (session: Session, created: Bool) {
        let now = clock.nowMilliseconds()
        let workspace = caller.workspaceID
        let resolution = try database.write { connection in
            try connection.transaction { connection -> Resolution in
                if let sessionReference,
                    let row = try connection.queryOne(
                        """
                        SELECT * FROM sessions
                        WHERE workspace_id = ? AND agent_id = ? AND session_reference = ? AND deleted_at IS NULL
                        """,
                        [.text(workspace), .text(agentID), .text(sessionReference)])
                {
                    let found = try Self.session(from: row)
                    if let userReference, userReference != found.userReference { return .ownerMismatch(found) }
                    return .found(found)
                }
                guard
                    let agent = try connection.queryOne(
                        "SELECT version, status, archived_at FROM agents WHERE workspace_id = ? AND id = ?",
                        [.text(workspace), .text(agentID)]),
                    try agent.isNull("archived_at")
                else { return .agentMissing }
                if try agent.string("status") != "active" { return .agentPaused }
                let session = Session(
                    id: Self.newID(), workspaceID: workspace, agentID: agentID, agentVersion: try agent.int64("version"),
                    userReference: userReference ?? sessionReference ?? "", sessionReference: sessionReference,
                    status: .active, title: nil, lastEventSeq: 0, createdAt: now, updatedAt: now, deletedAt: nil)
                try connection.execute(
                    """
                    INSERT INTO sessions
                        (id, workspace_id, agent_id, agent_version, user_reference, session_reference, status,
                         title, last_event_seq, created_at, updated_at, deleted_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, ?, NULL)
                    """,
                    [
                        .text(session.id), .text(workspace), .text(agentID), .integer(session.agentVersion),
                        .text(session.userReference), .optionalText(sessionReference), .text(SessionStatus.active.rawValue),
                        .integer(now), .integer(now),
                    ])
                try AuditLog.append(
                    AuditEntry(
                        action: "sessions.create", targetKind: .session, targetID: session.id,
                        detail: [
                            "agent_id": .string(agentID), "agent_version": .int(session.agentVersion),
                            "by": .string(sessionReference == nil ? "user_reference" : "session_reference"),
                        ]),
                    caller: caller, at: now, in: connection)
                return .created(session)
            }
        }
        switch resolution {
        case .found(let session):
            return (session, false)
        case .created(let session):
            return (session, true)
        case .ownerMismatch(let session):
            try gate.audit.record(
                AuditEntry(
                    action: "sessions.resolve", targetKind: .session, targetID: session.id, outcome: .denied,
                    detail: ["reason": "user_reference does not match the session owner"]),
                caller: caller)
            throw PlatformError.conflict(
                "session_reference \"\(sessionReference ?? "")\" is already used by another user's session of agent \"\(agentID)\"; choose another session_reference")
        case .agentMissing:
            try checkForeignAgent(caller: caller, agentID: agentID)
            throw PlatformError.notFound(kind: .agent, id: agentID)
        case .agentPaused:
            throw PlatformError.conflict("agent \"\(agentID)\" is paused; resume it before starting a new session")
        }
    }

    /// Audits (through the gate) an attempt on an agent id that exists only in another workspace.
    private func checkForeignAgent(caller: Caller, agentID: String) throws {
        let foreign = try database.read { connection in
            try connection.queryOne(
                "SELECT workspace_id FROM agents WHERE id = ? AND workspace_id <> ? LIMIT 1",
                [.text(agentID), .text(caller.workspaceID)]
            ).map { try $0.string("workspace_id") }
        }
        if let foreign { try gate.check(caller, .writeSessions, .agent(agentID, workspace: foreign)) }
    }

    // MARK: - Read

    /// The non-deleted session `id`. Needs `runs:read`.
    public func get(caller: Caller, id: String) throws -> Session {
        try visible(caller: caller, action: .readSessions, id: id)
    }

    /// Non-deleted sessions of the caller's workspace, newest first, optionally only those of
    /// `agentID` and/or owned by `userReference`. `after` is the id of the last session of the
    /// previous page. Needs `runs:read`; agent-restricted callers see only their agents' sessions.
    public func list(
        caller: Caller, agentID: String? = nil, userReference: String? = nil, limit: Int = 50, after: String? = nil
    ) throws -> [Session] {
        try gate.check(caller, .readSessions)
        let issues = ValidationIssues()
        ListQuery.checkLimit(limit, issues: issues)
        try issues.throwIfAny()
        let restriction = ListQuery.restriction(caller.principal)
        let rows = try database.read { connection in
            let anchor = try ListQuery.anchor(
                table: .sessions, after: after, workspace: caller.workspaceID, connection: connection, issues: issues)
            try issues.throwIfAny()
            return try connection.query(
                """
                SELECT * FROM sessions
                WHERE workspace_id = ? AND deleted_at IS NULL AND (? IS NULL OR agent_id = ?)
                    AND (? IS NULL OR user_reference = ?) AND \(ListQuery.restrictionCondition)
                    AND \(ListQuery.afterCondition)
                ORDER BY created_at DESC, id DESC LIMIT ?
                """,
                [
                    .text(caller.workspaceID), .optionalText(agentID), .optionalText(agentID),
                    .optionalText(userReference), .optionalText(userReference), restriction, restriction,
                ] + ListQuery.afterParameters(anchor) + [.int(limit)])
        }
        return try rows.map(Self.session(from:))
    }

    // MARK: - Change

    /// Sets (or, with nil, clears) the title of session `id`. Needs `runs:write`.
    @discardableResult
    public func setTitle(caller: Caller, id: String, title: String?) throws -> Session {
        try visible(caller: caller, action: .writeSessions, id: id)
        if let title {
            let issues = ValidationIssues()
            _ = SpecReader.check(title, at: "$.title", maxLength: Self.maxTitleLength, allowControl: false, issues: issues)
            try issues.throwIfAny()
        }
        return try change(caller: caller, id: id, action: "sessions.update", detail: ["title": .string(title == nil ? "cleared" : "set")]) {
            session, connection, now in
            try connection.execute(
                "UPDATE sessions SET title = ?, updated_at = ? WHERE id = ?",
                [.optionalText(title), .integer(now), .text(session.id)])
        }
    }

    /// Closes session `id`: it stays readable but accepts no new runs (runs already under way
    /// finish normally). Closing a closed session is a conflict. Needs `runs:write`.
    @discardableResult
    public func close(caller: Caller, id: String) throws -> Session {
        try visible(caller: caller, action: .writeSessions, id: id)
        return try change(caller: caller, id: id, action: "sessions.close", detail: nil) { session, connection, now in
            guard session.status == .active else { throw PlatformError.conflict("session \"\(session.id)\" is already closed") }
            try connection.execute(
                "UPDATE sessions SET status = ?, updated_at = ? WHERE id = ?",
                [.text(SessionStatus.closed.rawValue), .integer(now), .text(session.id)])
        }
    }

    /// Soft-deletes session `id`: afterwards it is not found, and its `session_reference` may be
    /// used by a new session. Its runs and events are kept. Refused (conflict) while the session
    /// has queued, running or paused runs. Needs `runs:write`.
    public func delete(caller: Caller, id: String) throws {
        try visible(caller: caller, action: .writeSessions, id: id)
        _ = try change(caller: caller, id: id, action: "sessions.delete", detail: nil) { session, connection, now in
            let unfinished = try connection.queryOne(
                "SELECT count(*) AS n FROM runs WHERE session_id = ? AND status IN ('queued', 'running', 'paused')",
                [.text(session.id)])?.int64("n") ?? 0
            guard unfinished == 0 else {
                throw PlatformError.conflict(
                    "session \"\(session.id)\" has \(unfinished) unfinished run\(unfinished == 1 ? "" : "s"); cancel \(unfinished == 1 ? "it" : "them") before deleting the session")
            }
            try connection.execute(
                "UPDATE sessions SET deleted_at = ?, updated_at = ? WHERE id = ?",
                [.integer(now), .integer(now), .text(session.id)])
        }
    }

    /// Checks the scope, finds the non-deleted session `id` and checks the caller may act on it.
    @discardableResult
    private func visible(caller: Caller, action: Action, id: String) throws -> Session {
        try gate.check(caller, action)
        guard let session = try database.read({ try Self.load(id: id, in: $0) }), session.deletedAt == nil else {
            throw PlatformError.notFound(kind: .session, id: id)
        }
        try gate.check(caller, action, session.objectRef)
        return session
    }

    /// Re-reads session `id` in a write transaction (it may have been deleted meanwhile), applies
    /// `body`, audits `action` and returns the session as stored afterwards.
    private func change(
        caller: Caller, id: String, action: String, detail: JSONValue?,
        _ body: (Session, Connection, Int64) throws -> Void
    ) throws -> Session {
        let now = clock.nowMilliseconds()
        return try database.write { connection in
            try connection.transaction { connection in
                guard let session = try Self.load(id: id, in: connection), session.deletedAt == nil else {
                    throw PlatformError.notFound(kind: .session, id: id)
                }
                try body(session, connection, now)
                try AuditLog.append(
                    AuditEntry(action: action, targetKind: .session, targetID: id, detail: detail), caller: caller, at: now,
                    in: connection)
                guard let updated = try Self.load(id: id, in: connection) else { throw PlatformError.notFound(kind: .session, id: id) }
                return updated
            }
        }
    }

    // MARK: - Rows

    /// A new session id: `ses_` + 16 random bytes in base64url.
    static func newID() -> String { "ses_" + Base64URL.encode(SecureRandom.bytes(16)) }

    /// Session `id` as stored (deleted or not, any workspace), or nil.
    static func load(id: String, in connection: Connection) throws -> Session? {
        try connection.queryOne("SELECT * FROM sessions WHERE id = ?", [.text(id)]).map(session(from:))
    }

    static func session(from row: Row) throws -> Session {
        Session(
            id: try row.string("id"), workspaceID: try row.string("workspace_id"), agentID: try row.string("agent_id"),
            agentVersion: try row.int64("agent_version"), userReference: try row.string("user_reference"),
            sessionReference: try row.optionalString("session_reference"),
            status: try StoredColumn.value(row, "status"), title: try row.optionalString("title"),
            lastEventSeq: try row.int64("last_event_seq"), createdAt: try row.int64("created_at"),
            updatedAt: try row.int64("updated_at"), deletedAt: try row.optionalInt64("deleted_at"))
    }
}
