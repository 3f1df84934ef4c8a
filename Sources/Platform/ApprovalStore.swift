// ApprovalStore: the human-in-the-loop decisions runs wait for.
//
// The runtime creates an approval when a run reaches a tool bound with `request_confirmation`
// (appending `approval.requested`), reads `pending(runID:)` to know what it waits for, and calls
// `expireDue()` periodically. Callers (`decide_approval`, REST, CLI) approve — optionally with
// edited arguments, which must be a JSON object — or reject, once: deciding a decided approval is
// a conflict naming its status. Expiry denies: an approval decided at or after `expiresAt` is
// marked expired (that change is kept) and the decision is refused. Every resolution appends
// `approval.resolved` in the same transaction; decisions are audited without argument values,
// only whether they were edited.

import Hashing
import JSON
import Storage

/// Approval persistence and decisions.
public struct ApprovalStore: Sendable {
    /// Longest decision reason, in characters.
    public static let maxReasonLength = 1024

    private let database: Database
    private let clock: WallClock
    private let gate: AccessGate

    public init(database: Database, clock: WallClock = .system) {
        self.database = database
        self.clock = clock
        self.gate = AccessGate(audit: AuditLog(database: database, clock: clock))
    }

    // MARK: - Runtime

    /// Records a pending approval for tool call `toolCallID` of run `runID` (running or paused)
    /// and appends `approval.requested` to the run's session. `arguments` must be a JSON object
    /// and `expiresAt` in the future.
    public func create(
        runID: String, toolCallID: String, serverID: String? = nil, toolName: String, arguments: JSONValue,
        expiresAt: Int64
    ) throws -> Approval {
        let now = clock.nowMilliseconds()
        let issues = ValidationIssues()
        _ = SpecReader.check(toolCallID, at: "$.tool_call_id", maxLength: 256, allowControl: false, issues: issues)
        if let serverID { _ = SpecReader.check(serverID, at: "$.server_id", maxLength: 256, allowControl: false, issues: issues) }
        _ = SpecReader.check(toolName, at: "$.tool_name", maxLength: 256, allowControl: false, issues: issues)
        if arguments.objectValue == nil { issues.add("$.arguments", "must be an object (got \(arguments.typeName))") }
        if expiresAt <= now { issues.add("$.expires_at", "must be in the future (got \(expiresAt), now \(now))") }
        try issues.throwIfAny()
        return try database.write { connection in
            try connection.transaction { connection in
                guard let run = try RunStore.load(id: runID, in: connection) else { throw PlatformError.notFound(kind: .run, id: runID) }
                guard run.status == .running || run.status == .paused else {
                    throw PlatformError.conflict("run \"\(runID)\" is \(run.status.rawValue); approvals are requested only by running or paused runs")
                }
                let approval = Approval(
                    id: Self.newID(), workspaceID: run.workspaceID, runID: runID, agentID: run.agentID, toolCallID: toolCallID,
                    serverID: serverID, toolName: toolName, arguments: arguments, status: .pending, approvedArguments: nil,
                    decidedBy: nil, decidedAt: nil, reason: nil, expiresAt: expiresAt, createdAt: now)
                try connection.execute(
                    """
                    INSERT INTO approvals
                        (id, workspace_id, run_id, agent_id, tool_call_id, server_id, tool_name, arguments, status, expires_at, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(approval.id), .text(approval.workspaceID), .text(runID), .text(run.agentID), .text(toolCallID),
                        .optionalText(serverID), .text(toolName), .text(StoredColumn.text(arguments)),
                        .text(ApprovalStatus.pending.rawValue), .integer(expiresAt), .integer(now),
                    ])
                try EventLog.append(
                    sessionID: run.sessionID, runID: runID, type: .approvalRequested,
                    data: [
                        "approval_id": .string(approval.id), "tool_call_id": .string(toolCallID),
                        "server_id": serverID.map(JSONValue.string) ?? .null, "tool_name": .string(toolName),
                        "arguments": arguments, "expires_at": .int(expiresAt),
                    ],
                    at: now, in: connection)
                return approval
            }
        }
    }

    /// The pending approvals of run `runID`, oldest first (including any whose expiry passed but
    /// that `expireDue` has not closed yet).
    public func pending(runID: String) throws -> [Approval] {
        try database.read { connection in
            try connection.query(
                "SELECT * FROM approvals WHERE run_id = ? AND status = 'pending' ORDER BY created_at, id",
                [.text(runID)]
            ).map(Self.approval(from:))
        }
    }

    /// Marks every pending approval (of every workspace) whose expiry has come as expired,
    /// appending `approval.resolved` for each, and returns them.
    @discardableResult
    public func expireDue() throws -> [Approval] {
        let now = clock.nowMilliseconds()
        return try database.write { connection in
            try connection.transaction { connection in
                let due = try connection.query(
                    "SELECT id FROM approvals WHERE status = 'pending' AND expires_at <= ? ORDER BY created_at, id",
                    [.integer(now)])
                return try due.map { row in try Self.expire(id: try row.string("id"), reason: nil, at: now, in: connection) }
            }
        }
    }

    /// Closes the pending approvals of run `runID` as expired with `reason` (its run ended), with
    /// their `approval.resolved` events. Inside the caller's write transaction.
    static func closePending(runID: String, sessionID: String, because reason: String, at now: Int64, in connection: Connection) throws {
        let open = try connection.query(
            "SELECT id FROM approvals WHERE run_id = ? AND status = 'pending' ORDER BY created_at, id", [.text(runID)])
        for row in open { _ = try expire(id: try row.string("id"), reason: reason, at: now, in: connection) }
    }

    private static func expire(id: String, reason: String?, at now: Int64, in connection: Connection) throws -> Approval {
        try connection.execute(
            "UPDATE approvals SET status = 'expired', decided_at = ?, reason = ? WHERE id = ? AND status = 'pending'",
            [.integer(now), .optionalText(reason), .text(id)])
        guard let approval = try load(id: id, in: connection) else { throw PlatformError.notFound(kind: .approval, id: id) }
        try appendResolved(approval, edited: false, at: now, in: connection)
        return approval
    }

    // MARK: - Decide

    private enum Outcome: Sendable {
        case decided(Approval)
        case expired(Approval)
    }

    /// Approves (optionally with edited `arguments`, a JSON object) or rejects pending approval
    /// `id`, with an optional `reason` (≤ 1024 characters). Refused as a conflict when it is no
    /// longer pending, or when its expiry has come (it is then marked expired). Needs
    /// `approvals:write`.
    @discardableResult
    public func decide(caller: Caller, id: String, approve: Bool, arguments: JSONValue? = nil, reason: String? = nil) throws -> Approval {
        try gate.check(caller, .decideApprovals)
        guard let stored = try database.read({ try Self.load(id: id, in: $0) }) else {
            throw PlatformError.notFound(kind: .approval, id: id)
        }
        try gate.check(caller, .decideApprovals, stored.objectRef)
        let issues = ValidationIssues()
        if let arguments {
            if !approve {
                issues.add("$.arguments", "can only be given when approving")
            } else if arguments.objectValue == nil {
                issues.add("$.arguments", "must be an object (got \(arguments.typeName))")
            }
        }
        if let reason { _ = SpecReader.check(reason, at: "$.reason", maxLength: Self.maxReasonLength, allowControl: false, issues: issues) }
        try issues.throwIfAny()

        let now = clock.nowMilliseconds()
        let outcome = try database.write { connection in
            try connection.transaction { connection -> Outcome in
                guard let current = try Self.load(id: id, in: connection) else { throw PlatformError.notFound(kind: .approval, id: id) }
                guard current.status == .pending else {
                    throw PlatformError.conflict("approval \"\(id)\" is already \(current.status.rawValue); it can be decided only once")
                }
                if now >= current.expiresAt {
                    let expired = try Self.expire(id: id, reason: nil, at: now, in: connection)
                    try AuditLog.append(
                        AuditEntry(
                            action: "approvals.decide", targetKind: .approval, targetID: id, outcome: .failed,
                            detail: ["decision": .string(approve ? "approve" : "reject"), "status": "expired", "run_id": .string(current.runID)]),
                        caller: caller, at: now, in: connection)
                    return .expired(expired)
                }
                let status: ApprovalStatus = approve ? .approved : .rejected
                // Spelled out: in `approve ? x : nil` the literal would become JSONValue.null.
                var approvedArguments: JSONValue?
                if approve { approvedArguments = arguments ?? current.arguments }
                let edited = approve && arguments != nil && arguments != current.arguments
                try connection.execute(
                    """
                    UPDATE approvals SET status = ?, approved_arguments = ?, decided_by = ?, decided_at = ?, reason = ?
                    WHERE id = ? AND status = 'pending'
                    """,
                    [
                        .text(status.rawValue), StoredColumn.optionalText(approvedArguments), .text(caller.principal.actorID),
                        .integer(now), .optionalText(reason), .text(id),
                    ])
                guard let decided = try Self.load(id: id, in: connection) else { throw PlatformError.notFound(kind: .approval, id: id) }
                try Self.appendResolved(decided, edited: edited, at: now, in: connection)
                try AuditLog.append(
                    AuditEntry(
                        action: "approvals.decide", targetKind: .approval, targetID: id,
                        detail: [
                            "decision": .string(status.rawValue), "arguments_edited": .bool(edited),
                            "run_id": .string(current.runID), "tool_name": .string(current.toolName),
                        ]),
                    caller: caller, at: now, in: connection)
                return .decided(decided)
            }
        }
        switch outcome {
        case .decided(let approval):
            return approval
        case .expired(let approval):
            throw PlatformError.conflict(
                "approval \"\(id)\" expired at \(UTCTimestamp.iso8601(approval.expiresAt)) and was denied; it can no longer be decided")
        }
    }

    /// Appends `approval.resolved` for `approval` to its run's session.
    private static func appendResolved(_ approval: Approval, edited: Bool, at now: Int64, in connection: Connection) throws {
        guard let run = try RunStore.load(id: approval.runID, in: connection) else {
            throw PlatformError.notFound(kind: .run, id: approval.runID)
        }
        var data = JSONObject()
        data["approval_id"] = .string(approval.id)
        data["tool_call_id"] = .string(approval.toolCallID)
        data["tool_name"] = .string(approval.toolName)
        data["status"] = .string(approval.status.rawValue)
        if approval.status == .approved {
            data["arguments"] = approval.approvedArguments ?? approval.arguments
            data["arguments_edited"] = .bool(edited)
        }
        data["decided_by"] = approval.decidedBy.map(JSONValue.string) ?? .null
        data["reason"] = approval.reason.map(JSONValue.string) ?? .null
        try EventLog.append(sessionID: run.sessionID, runID: run.id, type: .approvalResolved, data: .object(data), at: now, in: connection)
    }

    // MARK: - Read

    /// Approval `id`. Needs `approvals:read`.
    public func get(caller: Caller, id: String) throws -> Approval {
        try gate.check(caller, .readApprovals)
        guard let approval = try database.read({ try Self.load(id: id, in: $0) }) else {
            throw PlatformError.notFound(kind: .approval, id: id)
        }
        try gate.check(caller, .readApprovals, approval.objectRef)
        return approval
    }

    /// Approvals of the caller's workspace, newest first, optionally only those in `status`
    /// and/or of `runID`. `after` is the id of the last approval of the previous page. Needs
    /// `approvals:read`; agent-restricted callers see only their agents' approvals.
    public func list(
        caller: Caller, status: ApprovalStatus? = nil, runID: String? = nil, limit: Int = 50, after: String? = nil
    ) throws -> [Approval] {
        try gate.check(caller, .readApprovals)
        let issues = ValidationIssues()
        ListQuery.checkLimit(limit, issues: issues)
        try issues.throwIfAny()
        let restriction = ListQuery.restriction(caller.principal)
        let statusText = status?.rawValue
        let rows = try database.read { connection in
            let anchor = try ListQuery.anchor(
                table: .approvals, after: after, workspace: caller.workspaceID, connection: connection, issues: issues)
            try issues.throwIfAny()
            var parameters: [SQLValue] = [.text(caller.workspaceID)]
            if let statusText { parameters.append(.text(statusText)) }
            if let runID { parameters.append(.text(runID)) }
            parameters += [restriction, restriction] + ListQuery.afterParameters(anchor) + [.int(limit)]
            return try connection.query(Self.listSQL(status: statusText != nil, run: runID != nil), parameters)
        }
        return try rows.map(Self.approval(from:))
    }

    // MARK: - Rows

    /// A new approval id: `apr_` + 16 random bytes in base64url.
    static func newID() -> String { "apr_" + Base64URL.encode(SecureRandom.bytes(16)) }

    /// Approval `id` as stored (any workspace), or nil.
    static func load(id: String, in connection: Connection) throws -> Approval? {
        try connection.queryOne("SELECT * FROM approvals WHERE id = ?", [.text(id)]).map(approval(from:))
    }

    static func approval(from row: Row) throws -> Approval {
        Approval(
            id: try row.string("id"), workspaceID: try row.string("workspace_id"), runID: try row.string("run_id"),
            agentID: try row.string("agent_id"), toolCallID: try row.string("tool_call_id"),
            serverID: try row.optionalString("server_id"), toolName: try row.string("tool_name"),
            arguments: try StoredColumn.json(row, "arguments"), status: try StoredColumn.value(row, "status"),
            approvedArguments: try StoredColumn.optionalJSON(row, "approved_arguments"),
            decidedBy: try row.optionalString("decided_by"), decidedAt: try row.optionalInt64("decided_at"),
            reason: try row.optionalString("reason"), expiresAt: try row.int64("expires_at"),
            createdAt: try row.int64("created_at"))
    }
}

extension ApprovalStore {
    /// The approval list query for the filters given (parameters: workspace, then status and
    /// run when given, then the restriction, cursor and limit), with its index named: a run's
    /// approvals are read at every step of a run that asks for confirmation, and
    /// `(? IS NULL OR run_id = ?)` left the planner only the workspace-wide index.
    static func listSQL(status: Bool, run: Bool) -> String {
        let index = run ? "approvals_by_run" : status ? "approvals_pending" : "approvals_by_workspace_created"
        let columns = [(status, "status"), (run, "run_id")].filter(\.0).map(\.1)
        return ListQuery.newestFirst(from: "approvals", index: index, equalities: columns)
    }
}
