// Approval: a human decision a tool call bound with `request_confirmation` waits for — a run's
// call (it has a `runID`) or a gateway caller's call (no run; `requestedBy` names the caller).
// It records the tool call, the arguments proposed and, once decided, who decided, when, why
// and — when approving — the arguments to actually use (the proposal or a person's edit). An
// approval nobody decides in time expires, which denies it.

import JSON

/// Where an approval stands.
public enum ApprovalStatus: String, Sendable, Hashable, CaseIterable {
    /// Waiting for a decision.
    case pending
    /// Approved: the tool call may run with `approvedArguments`.
    case approved
    /// Rejected by a person.
    case rejected
    /// Not decided in time (or its run ended first): denied.
    case expired
}

/// A request for a human decision on one tool call.
public struct Approval: Sendable, Hashable {
    /// Platform-generated id (`apr_…`), unique across workspaces.
    public let id: String
    public let workspaceID: String
    /// The run whose call waits; nil for a gateway call.
    public let runID: String?
    /// Who asked, for a gateway call (the caller's principal); nil for a run's call.
    public let requestedBy: String?
    public let agentID: String
    /// The model's id for the tool call (matches the run's `tool.call` event), or the id the
    /// gateway gave the call.
    public let toolCallID: String
    /// The upstream server of the tool, or nil for platform tools.
    public let serverID: String?
    public let toolName: String
    /// The arguments the model proposed.
    public let arguments: JSONValue
    public let status: ApprovalStatus
    /// The arguments to call the tool with, once approved (the proposal unless edited).
    public let approvedArguments: JSONValue?
    /// The actor (API key id or `local`) who decided; nil while pending or when expired.
    public let decidedBy: String?
    /// When it was decided or expired (Unix milliseconds).
    public let decidedAt: Int64?
    /// Why it was decided so (as given by the decider), or why it was closed.
    public let reason: String?
    /// When it expires if still pending (Unix milliseconds).
    public let expiresAt: Int64
    public let createdAt: Int64
    /// When the one gateway call this approval allowed was sent (Unix milliseconds); nil before
    /// that, and for a run's approval (the run records its own call).
    public let usedAt: Int64?

    public init(
        id: String, workspaceID: String, runID: String?, requestedBy: String? = nil, agentID: String, toolCallID: String, serverID: String?,
        toolName: String, arguments: JSONValue, status: ApprovalStatus, approvedArguments: JSONValue?,
        decidedBy: String?, decidedAt: Int64?, reason: String?, expiresAt: Int64, createdAt: Int64, usedAt: Int64? = nil
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.runID = runID
        self.requestedBy = requestedBy
        self.agentID = agentID
        self.toolCallID = toolCallID
        self.serverID = serverID
        self.toolName = toolName
        self.arguments = arguments
        self.status = status
        self.approvedArguments = approvedArguments
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.reason = reason
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.usedAt = usedAt
    }

    /// Whether it was approved with arguments other than the ones proposed.
    public var argumentsEdited: Bool {
        approvedArguments.map { $0 != arguments } ?? false
    }

    /// The reference the access policy sees.
    public var objectRef: ObjectRef {
        ObjectRef(kind: .approval, id: id, workspaceID: workspaceID, agentID: agentID)
    }
}
