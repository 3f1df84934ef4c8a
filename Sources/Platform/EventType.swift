// EventType: the kinds of entries in a session's event log, spelled exactly as PRODUCT.md lists
// them; these strings are what streaming readers (MCP resources, SSE, the CLI) see.

/// The kind of one event.
public enum EventType: String, Sendable, Hashable, CaseIterable {
    case runStarted = "run.started"
    case messageDelta = "message.delta"
    case messageCompleted = "message.completed"
    case toolCall = "tool.call"
    case toolResult = "tool.result"
    case approvalRequested = "approval.requested"
    case approvalResolved = "approval.resolved"
    case authRequired = "auth.required"
    case runCompleted = "run.completed"
    case runFailed = "run.failed"
    case runCancelled = "run.cancelled"
}
