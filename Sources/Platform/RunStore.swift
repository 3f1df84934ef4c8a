// RunStore: creates, reads, lists and cancels runs, and moves them through their life cycle.
//
// Callers (MCP, REST, CLI) create, read and cancel runs; those operations go through the access
// gate and mutations are audited. The agent runtime drives the rest (`markRunning`, `markPaused`,
// `markCompleted`, `markFailed`, `recordStep`) without a caller: each move is checked against
// `RunStatus.canMove(to:)` inside one write transaction and appends the matching event
// (`run.started`, `run.completed`, `run.failed`, `run.cancelled`) to the session's log in that
// same transaction, so the log and the row never disagree. When a run ends, approvals of it that
// are still pending are closed as expired (nobody can act on them any more). `interrupted()`
// lists the runs a crash left unfinished, across workspaces, for recovery at start-up.

import Hashing
import JSON
import Storage

/// Run persistence and life cycle.
public struct RunStore: Sendable {
    /// Longest cancellation reason, in characters.
    public static let maxReasonLength = 1024
    /// Longest failure message kept, in characters (longer ones are cut).
    public static let maxErrorLength = 4096

    private let database: Database
    private let clock: WallClock
    private let gate: AccessGate

    public init(database: Database, clock: WallClock = .system) {
        self.database = database
        self.clock = clock
        self.gate = AccessGate(audit: AuditLog(database: database, clock: clock))
    }

    // MARK: - Callers

    /// Queues a new run in session `sessionID` with the session's pinned agent version. The
    /// session must be active (not closed) and its agent neither paused nor archived. Needs
    /// `runs:write`.
    public func create(caller: Caller, sessionID: String, trigger: RunTrigger, input: JSONValue) throws -> Run {
        try gate.check(caller, .writeRuns)
        guard let session = try database.read({ try SessionStore.load(id: sessionID, in: $0) }), session.deletedAt == nil else {
            throw PlatformError.notFound(kind: .session, id: sessionID)
        }
        try gate.check(caller, .writeRuns, session.objectRef)
        let now = clock.nowMilliseconds()
        return try database.write { connection in
            try connection.transaction { connection in
                guard let session = try SessionStore.load(id: sessionID, in: connection), session.deletedAt == nil else {
                    throw PlatformError.notFound(kind: .session, id: sessionID)
                }
                guard session.status == .active else {
                    throw PlatformError.conflict("session \"\(sessionID)\" is closed; start a new session")
                }
                let agent = try connection.queryOne(
                    "SELECT status, archived_at FROM agents WHERE workspace_id = ? AND id = ?",
                    [.text(session.workspaceID), .text(session.agentID)])
                guard let agent else { throw PlatformError.notFound(kind: .agent, id: session.agentID) }
                if try !agent.isNull("archived_at") {
                    throw PlatformError.conflict("agent \"\(session.agentID)\" is archived; it cannot run any more")
                }
                if try agent.string("status") != "active" {
                    throw PlatformError.conflict("agent \"\(session.agentID)\" is paused; resume it to start runs")
                }
                let run = Run(
                    id: Self.newID(), workspaceID: session.workspaceID, sessionID: sessionID, agentID: session.agentID,
                    agentVersion: session.agentVersion, trigger: trigger, status: .queued, input: input, output: nil,
                    steps: 0, tokensIn: 0, tokensOut: 0, error: nil, createdAt: now, startedAt: nil, finishedAt: nil,
                    updatedAt: now)
                try connection.execute(
                    """
                    INSERT INTO runs
                        (id, workspace_id, session_id, agent_id, agent_version, trigger, status, input, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(run.id), .text(run.workspaceID), .text(sessionID), .text(run.agentID),
                        .integer(run.agentVersion), .text(trigger.rawValue), .text(RunStatus.queued.rawValue),
                        .text(StoredColumn.text(input)), .integer(now), .integer(now),
                    ])
                try connection.execute("UPDATE sessions SET updated_at = max(updated_at, ?) WHERE id = ?", [.integer(now), .text(sessionID)])
                try AuditLog.append(
                    AuditEntry(
                        action: "runs.create", targetKind: .run, targetID: run.id,
                        detail: [
                            "session_id": .string(sessionID), "agent_id": .string(run.agentID),
                            "agent_version": .int(run.agentVersion), "trigger": .string(trigger.rawValue),
                        ]),
                    caller: caller, at: now, in: connection)
                return run
            }
        }
    }

    /// Run `id`. Needs `runs:read`.
    public func get(caller: Caller, id: String) throws -> Run {
        try gate.check(caller, .readRuns)
        guard let run = try database.read({ try Self.load(id: id, in: $0) }) else { throw PlatformError.notFound(kind: .run, id: id) }
        try gate.check(caller, .readRuns, run.objectRef)
        return run
    }

    /// Runs of the caller's workspace, newest first, optionally only those of `sessionID`,
    /// `agentID` and/or in `status`. `after` is the id of the last run of the previous page.
    /// Needs `runs:read`; agent-restricted callers see only their agents' runs.
    public func list(
        caller: Caller, sessionID: String? = nil, agentID: String? = nil, status: RunStatus? = nil, limit: Int = 50,
        after: String? = nil
    ) throws -> [Run] {
        try gate.check(caller, .readRuns)
        let issues = ValidationIssues()
        ListQuery.checkLimit(limit, issues: issues)
        try issues.throwIfAny()
        let restriction = ListQuery.restriction(caller.principal)
        let statusText = status?.rawValue
        let rows = try database.read { connection in
            let anchor = try ListQuery.anchor(table: .runs, after: after, workspace: caller.workspaceID, connection: connection, issues: issues)
            try issues.throwIfAny()
            var parameters: [SQLValue] = [.text(caller.workspaceID)]
            if let agentID { parameters.append(.text(agentID)) }
            if let sessionID { parameters.append(.text(sessionID)) }
            if let statusText { parameters.append(.text(statusText)) }
            parameters += [restriction, restriction] + ListQuery.afterParameters(anchor) + [.int(limit)]
            return try connection.query(
                Self.listSQL(agent: agentID != nil, session: sessionID != nil, status: statusText != nil), parameters)
        }
        return try rows.map(Self.run(from:))
    }

    /// The run list query for the filters given, each a plain equality, with its index named
    /// (parameters: workspace, then agent, session and status when given, then the restriction,
    /// cursor and limit). With `(? IS NULL OR session_id = ?)` the planner could use no index
    /// but the workspace's and read every run of the workspace — on every run start, because
    /// the session history is such a list.
    static func listSQL(agent: Bool, session: Bool, status: Bool) -> String {
        let index = session ? "runs_by_session" : agent ? "runs_by_agent" : "runs_by_workspace"
        let columns = [(agent, "agent_id"), (session, "session_id"), (status, "status")].filter(\.0).map(\.1)
        return ListQuery.newestFirst(from: "runs", index: index, equalities: columns)
    }

    /// Cancels run `id` (queued, running or paused); a run that already ended is a conflict. The
    /// `run.cancelled` event, the audit record and the closing of its pending approvals commit
    /// together. Needs `runs:write`.
    @discardableResult
    public func cancel(caller: Caller, id: String, reason: String? = nil) throws -> Run {
        try gate.check(caller, .writeRuns)
        guard let run = try database.read({ try Self.load(id: id, in: $0) }) else { throw PlatformError.notFound(kind: .run, id: id) }
        try gate.check(caller, .writeRuns, run.objectRef)
        if let reason {
            let issues = ValidationIssues()
            _ = SpecReader.check(reason, at: "$.reason", maxLength: Self.maxReasonLength, allowControl: false, issues: issues)
            try issues.throwIfAny()
        }
        let now = clock.nowMilliseconds()
        return try database.write { connection in
            try connection.transaction { connection in
                guard let current = try Self.load(id: id, in: connection) else { throw PlatformError.notFound(kind: .run, id: id) }
                guard !current.status.isTerminal else {
                    throw PlatformError.conflict("run \"\(id)\" already ended (\(current.status.rawValue)); only queued, running or paused runs can be cancelled")
                }
                let cancelled = try Self.move(current, to: .cancelled, at: now, in: connection, error: reason)
                var detail = JSONObject()
                detail["from"] = .string(current.status.rawValue)
                if let reason { detail["reason"] = .string(reason) }
                try AuditLog.append(
                    AuditEntry(action: "runs.cancel", targetKind: .run, targetID: id, detail: .object(detail)),
                    caller: caller, at: now, in: connection)
                return cancelled
            }
        }
    }

    // MARK: - Runtime

    /// Moves run `id` to running (from queued, or from paused when resuming) and appends
    /// `run.started` (with `"resumed": true` when it was paused).
    @discardableResult
    public func markRunning(id: String) throws -> Run { try transition(id: id, to: .running) }

    /// Moves run `id` from running to paused (waiting for approvals); no event of its own: the
    /// `approval.requested` events say why.
    @discardableResult
    public func markPaused(id: String) throws -> Run { try transition(id: id, to: .paused) }

    /// Moves run `id` from running to completed with `output` and appends `run.completed`.
    @discardableResult
    public func markCompleted(id: String, output: JSONValue) throws -> Run { try transition(id: id, to: .completed, output: output) }

    /// Moves run `id` (queued, running or paused) to failed with `error` and appends `run.failed`.
    @discardableResult
    public func markFailed(id: String, error: String) throws -> Run { try transition(id: id, to: .failed, error: error) }

    /// Counts one model step of running run `id` and adds its token usage.
    @discardableResult
    public func recordStep(id: String, tokensIn: Int64, tokensOut: Int64) throws -> Run {
        let issues = ValidationIssues()
        if tokensIn < 0 { issues.add("$.tokens_in", "must be 0 or more (got \(tokensIn))") }
        if tokensOut < 0 { issues.add("$.tokens_out", "must be 0 or more (got \(tokensOut))") }
        try issues.throwIfAny()
        let now = clock.nowMilliseconds()
        return try database.write { connection in
            try connection.transaction { connection in
                guard let run = try Self.load(id: id, in: connection) else { throw PlatformError.notFound(kind: .run, id: id) }
                guard run.status == .running else {
                    throw PlatformError.conflict("run \"\(id)\" is \(run.status.rawValue); steps are recorded only while it is running")
                }
                try connection.execute(
                    """
                    UPDATE runs SET steps = steps + 1, tokens_in = tokens_in + ?, tokens_out = tokens_out + ?, updated_at = ?
                    WHERE id = ?
                    """,
                    [.integer(tokensIn), .integer(tokensOut), .integer(now), .text(id)])
                guard let updated = try Self.load(id: id, in: connection) else { throw PlatformError.notFound(kind: .run, id: id) }
                return updated
            }
        }
    }

    /// Every queued, running or paused run of every workspace, oldest first: what a crash left
    /// unfinished, for the runtime to resume or fail at start-up.
    public func interrupted() throws -> [Run] {
        try database.read { connection in
            try connection.query(
                "SELECT * FROM runs WHERE status IN ('queued', 'running', 'paused') ORDER BY created_at, id"
            ).map(Self.run(from:))
        }
    }

    private func transition(id: String, to next: RunStatus, output: JSONValue? = nil, error: String? = nil) throws -> Run {
        let now = clock.nowMilliseconds()
        return try database.write { connection in
            try connection.transaction { connection in
                guard let run = try Self.load(id: id, in: connection) else { throw PlatformError.notFound(kind: .run, id: id) }
                return try Self.move(run, to: next, at: now, in: connection, output: output, error: error)
            }
        }
    }

    /// Moves `run` to `next` if the state machine allows it, stores the new state, appends the
    /// matching event and, for an ending, closes the run's pending approvals. Inside the caller's
    /// write transaction.
    static func move(
        _ run: Run, to next: RunStatus, at now: Int64, in connection: Connection, output: JSONValue? = nil,
        error: String? = nil
    ) throws -> Run {
        guard run.status.canMove(to: next) else {
            throw PlatformError.conflict("run \"\(run.id)\" cannot move from \(run.status.rawValue) to \(next.rawValue)")
        }
        let storedError = error.map { String($0.prefix(maxErrorLength)) }
        try connection.execute(
            """
            UPDATE runs SET status = ?, updated_at = ?,
                started_at = CASE WHEN ? = 'running' THEN coalesce(started_at, ?) ELSE started_at END,
                finished_at = CASE WHEN ? THEN ? ELSE finished_at END,
                output = coalesce(?, output), error = coalesce(?, error)
            WHERE id = ?
            """,
            [
                .text(next.rawValue), .integer(now), .text(next.rawValue), .integer(now), .bool(next.isTerminal),
                .integer(now), StoredColumn.optionalText(output), .optionalText(storedError), .text(run.id),
            ])
        guard let updated = try load(id: run.id, in: connection) else { throw PlatformError.notFound(kind: .run, id: run.id) }
        let event: (EventType, JSONValue)? =
            switch next {
            case .running: (.runStarted, ["resumed": .bool(run.status == .paused), "agent_version": .int(run.agentVersion)])
            case .paused, .queued: nil
            case .completed:
                (.runCompleted, [
                    "output": output ?? .null, "steps": .int(updated.steps), "tokens_in": .int(updated.tokensIn),
                    "tokens_out": .int(updated.tokensOut),
                ])
            case .failed: (.runFailed, ["error": .string(storedError ?? "")])
            case .cancelled: (.runCancelled, ["reason": storedError.map(JSONValue.string) ?? .null])
            }
        if let (type, data) = event {
            try EventLog.append(sessionID: run.sessionID, runID: run.id, type: type, data: data, at: now, in: connection)
        }
        if next.isTerminal {
            try ApprovalStore.closePending(runID: run.id, sessionID: run.sessionID, because: "run \(next.rawValue)", at: now, in: connection)
        }
        return updated
    }

    // MARK: - Rows

    /// A new run id: `run_` + 16 random bytes in base64url.
    static func newID() -> String { "run_" + Base64URL.encode(SecureRandom.bytes(16)) }

    /// Run `id` as stored (any workspace), or nil.
    static func load(id: String, in connection: Connection) throws -> Run? {
        try connection.queryOne("SELECT * FROM runs WHERE id = ?", [.text(id)]).map(run(from:))
    }

    static func run(from row: Row) throws -> Run {
        Run(
            id: try row.string("id"), workspaceID: try row.string("workspace_id"), sessionID: try row.string("session_id"),
            agentID: try row.string("agent_id"), agentVersion: try row.int64("agent_version"),
            trigger: try StoredColumn.value(row, "trigger"), status: try StoredColumn.value(row, "status"),
            input: try StoredColumn.json(row, "input"), output: try StoredColumn.optionalJSON(row, "output"),
            steps: try row.int64("steps"), tokensIn: try row.int64("tokens_in"), tokensOut: try row.int64("tokens_out"),
            error: try row.optionalString("error"), createdAt: try row.int64("created_at"),
            startedAt: try row.optionalInt64("started_at"), finishedAt: try row.optionalInt64("finished_at"),
            updatedAt: try row.int64("updated_at"))
    }
}
