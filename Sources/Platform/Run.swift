// Run: one execution of an agent inside a session — what started it, the input it was given, its
// status, its output or error, and what it cost (steps and tokens). A run pins the agent version
// of its session. The events it produced live in the session's event log.

import JSON

/// What started a run.
public enum RunTrigger: String, Sendable, Hashable, CaseIterable {
    case mcp, cli, api, webhook
}

/// One execution of an agent.
public struct Run: Sendable, Hashable {
    /// Platform-generated id (`run_…`), unique across workspaces.
    public let id: String
    public let workspaceID: String
    public let sessionID: String
    public let agentID: String
    /// The agent version the run executes (the session's pinned version).
    public let agentVersion: Int64
    public let trigger: RunTrigger
    public let status: RunStatus
    public let input: JSONValue
    /// The final answer, once completed.
    public let output: JSONValue?
    /// Model steps taken so far.
    public let steps: Int64
    public let tokensIn: Int64
    public let tokensOut: Int64
    /// Why the run failed (or the reason given when it was cancelled).
    public let error: String?
    /// Unix milliseconds.
    public let createdAt: Int64
    /// When the run first started running.
    public let startedAt: Int64?
    /// When the run reached a terminal state.
    public let finishedAt: Int64?
    public let updatedAt: Int64

    public init(
        id: String, workspaceID: String, sessionID: String, agentID: String, agentVersion: Int64, trigger: RunTrigger,
        status: RunStatus, input: JSONValue, output: JSONValue?, steps: Int64, tokensIn: Int64, tokensOut: Int64,
        error: String?, createdAt: Int64, startedAt: Int64?, finishedAt: Int64?, updatedAt: Int64
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.sessionID = sessionID
        self.agentID = agentID
        self.agentVersion = agentVersion
        self.trigger = trigger
        self.status = status
        self.input = input
        self.output = output
        self.steps = steps
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.error = error
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.updatedAt = updatedAt
    }

    /// The reference the access policy sees.
    public var objectRef: ObjectRef {
        ObjectRef(kind: .run, id: id, workspaceID: workspaceID, agentID: agentID)
    }
}
