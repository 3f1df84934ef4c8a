// ApprovalStore: the human-in-the-loop decisions runs and gateway calls wait for.
//
// The runtime creates an approval when a run reaches a tool bound with `request_confirmation`
// (appending `approval.requested`), reads `pending(runID:)` to know what it waits for, and calls
// `expireDue()` periodically. The gateway creates one for a caller's call of such a tool
// (`createForCall`, audited as `approvals.request`: there is no run to append events to) and
// waits for it to be decided; the caller may decide it itself through its client (`answer`).
// Callers (`decide_approval`, the CLI) approve — optionally with edited arguments, which must be
// a JSON object — or reject, once: deciding a decided approval is a conflict naming its status.
// Expiry denies: an approval decided at or after `expiresAt` is marked expired (that change is
// kept) and the decision is refused. Every resolution of a run's approval appends
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
                    id: Self.newID(), workspaceID: run.workspaceID, runID: runID, requestedBy: nil, agentID: run.agentID, toolCallID: toolCallID,
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

    /// Records a pending approval for a gateway caller's call of tool `toolName` (of upstream
    /// `serverID`) that agent `agentID` exposes, with the exact `arguments` (a JSON object),
    /// asked by `requester` (the caller's principal, who may `answer` it); audited as
    /// `approvals.request` by `caller` without argument values. The call gets a fresh id.
    public func createForCall(
        caller: Caller, requester: String, agentID: String, serverID: String, toolName: String, arguments: JSONValue, expiresAt: Int64
    ) throws -> Approval {
        let now = clock.nowMilliseconds()
        let issues = ValidationIssues()
        _ = SpecReader.check(requester, at: "$.requested_by", maxLength: 256, allowControl: false, issues: issues)
        _ = SpecReader.check(serverID, at: "$.server_id", maxLength: 256, allowControl: false, issues: issues)
        _ = SpecReader.check(toolName, at: "$.tool_name", maxLength: 256, allowControl: false, issues: issues)
        if arguments.objectValue == nil { issues.add("$.arguments", "must be an object (got \(arguments.typeName))") }
        if expiresAt <= now { issues.add("$.expires_at", "must be in the future (got \(expiresAt), now \(now))") }
        try issues.throwIfAny()
        let approval = Approval(
            id: Self.newID(), workspaceID: caller.workspaceID, runID: nil, requestedBy: requester, agentID: agentID,
            toolCallID: "call_" + Base64URL.encode(SecureRandom.bytes(12)), serverID: serverID, toolName: toolName,
            arguments: arguments, status: .pending, approvedArguments: nil, decidedBy: nil, decidedAt: nil, reason: nil,
            expiresAt: expiresAt, createdAt: now)
        try database.write { connection in
            try connection.transaction { connection in
                try connection.execute(
                    """
                    INSERT INTO approvals
                        (id, workspace_id, run_id, requested_by, agent_id, tool_call_id, server_id, tool_name, arguments, status,
                         expires_at, created_at)
                    VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(approval.id), .text(approval.workspaceID), .text(requester), .text(agentID), .text(approval.toolCallID),
                        .text(serverID), .text(toolName), .text(StoredColumn.text(arguments)), .text(ApprovalStatus.pending.rawValue),
                        .integer(expiresAt), .integer(now),
                    ])
                try AuditLog.append(
                    AuditEntry(
                        action: "approvals.request", targetKind: .approval, targetID: approval.id,
                        detail: [
                            "agent_id": .string(agentID), "server_id": .string(serverID), "tool_name": .string(toolName),
                            "requested_by": .string(requester),
                        ]),
                    caller: caller, at: now, in: connection)
            }
        }
        return approval
    }

    /// Approval `id` as stored, for the process that created it (no access check: it waits on
    /// its own approval).
    public func current(id: String) throws -> Approval {
        guard let approval = try database.read({ try Self.load(id: id, in: $0) }) else {
            throw PlatformError.notFound(kind: .approval, id: id)
        }
        return approval
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

    /// Spends approved gateway approval `id` on the call about to be sent: true exactly once;
    /// false when it was spent already (a replayed retry), is not approved, or belongs to a run.
    public func spend(id: String) throws -> Bool {
        let now = clock.nowMilliseconds()
        return try database.write { connection in
            try connection.execute(
                "UPDATE approvals SET used_at = ? WHERE id = ? AND status = 'approved' AND run_id IS NULL AND used_at IS NULL",
                [.integer(now), .text(id)])
            return connection.changes == 1
        }
    }

    /// Closes pending approval `id` as expired with `reason` (the call waiting for it went away);
    /// nothing happens when it is decided already.
    public func withdraw(id: String, reason: String) throws {
        let now = clock.nowMilliseconds()
        try database.write { connection in
            try connection.transaction { connection in
                guard try Self.load(id: id, in: connection)?.status == .pending else { return }
                _ = try Self.expire(id: id, reason: reason, at: now, in: connection)
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
        return try resolve(caller: caller, decider: caller.principal.actorID, id: id, approve: approve, arguments: arguments, reason: reason)
    }

    /// The caller that asked for gateway approval `id` decides it through its own client (the
    /// person at the client is who `request_confirmation` asks): `requester` must be the
    /// approval's `requestedBy`, and no `approvals:write` is needed. Recorded as decided by the
    /// requester and audited by `caller` (the gateway). Otherwise as `decide`.
    @discardableResult
    public func answer(caller: Caller, requester: String, id: String, approve: Bool, arguments: JSONValue? = nil, reason: String? = nil) throws -> Approval {
        // Another caller's approval is reported as missing, like every object a caller cannot see.
        guard let stored = try database.read({ try Self.load(id: id, in: $0) }), stored.workspaceID == caller.workspaceID,
              stored.requestedBy == requester else {
            throw PlatformError.notFound(kind: .approval, id: id)
        }
        return try resolve(caller: caller, decider: requester, id: id, approve: approve, arguments: arguments, reason: reason)
    }

    /// Validates and records a decision by `decider` (audited as `caller`).
    private func resolve(caller: Caller, decider: String, id: String, approve: Bool, arguments: JSONValue?, reason: String?) throws -> Approval {
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
                            detail: ["decision": .string(approve ? "approve" : "reject"), "status": "expired",
                                     "run_id": current.runID.map(JSONValue.string) ?? .null]),
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
                        .text(status.rawValue), StoredColumn.optionalText(approvedArguments), .text(decider),
                        .integer(now), .optionalText(reason), .text(id),
                    ])
                guard let decided = try Self.load(id: id, in: connection) else { throw PlatformError.notFound(kind: .approval, id: id) }
                try Self.appendResolved(decided, edited: edited, at: now, in: connection)
                try AuditLog.append(
                    AuditEntry(
                        action: "approvals.decide", targetKind: .approval, targetID: id,
                        detail: [
                            "decision": .string(status.rawValue), "arguments_edited": .bool(edited),
                            "run_id": current.runID.map(JSONValue.string) ?? .null, "tool_name": .string(current.toolName),
                            "decided_by": .string(decider),
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

    /// Appends `approval.resolved` for `approval` to its run's session (a gateway call's approval
    /// has no session: its decision is in the audit log).
    private static func appendResolved(_ approval: Approval, edited: Bool, at now: Int64, in connection: Connection) throws {
        guard let runID = approval.runID else { return }
        guard let run = try RunStore.load(id: runID, in: connection) else {
            throw PlatformError.notFound(kind: .run, id: runID)
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
            id: try row.string("id"), workspaceID: try row.string("workspace_id"), runID: try row.optionalString("run_id"),
            requestedBy: try row.optionalString("requested_by"),
            agentID: try row.string("agent_id"), toolCallID: try row.string("tool_call_id"),
            serverID: try row.optionalString("server_id"), toolName: try row.string("tool_name"),
            arguments: try StoredColumn.json(row, "arguments"), status: try StoredColumn.value(row, "status"),
            approvedArguments: try StoredColumn.optionalJSON(row, "approved_arguments"),
            decidedBy: try row.optionalString("decided_by"), decidedAt: try row.optionalInt64("decided_at"),
            reason: try row.optionalString("reason"), expiresAt: try row.int64("expires_at"),
            createdAt: try row.int64("created_at"), usedAt: try row.optionalInt64("used_at"))
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
