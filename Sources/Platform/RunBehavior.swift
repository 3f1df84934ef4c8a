// RunBehavior: what the runtime does when an agent wants to call an upstream tool — call it at
// once, or stop and ask a person first (an Approval). Set per binding and overridable per tool;
// the spelling matches the Agentic-App seed's `run_behavior`.

/// Whether a tool call runs immediately or waits for a person's approval.
public enum RunBehavior: String, Sendable, Hashable, CaseIterable {
    /// Call the tool as soon as the model asks.
    case autoRun = "auto_run"
    /// Create an approval and wait until someone approves, edits or rejects the call.
    case requestConfirmation = "request_confirmation"

    /// Every spelling accepted in a spec, in declaration order (for messages).
    public static var spellings: [String] { allCases.map(\.rawValue) }
}
