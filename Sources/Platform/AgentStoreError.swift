// AgentStoreError: failures of AgentStore that are not the caller's fault and that no surface
// should dress up as a validation or permission problem — today only a stored configuration that
// no longer parses (a hand-edited database or a bug), reported with where it is and why.

/// An internal failure of the agent store.
public enum AgentStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stored row of (`agentID`, `version`) is unreadable (e.g. its `config` is not a valid spec).
    case corruptRow(agentID: String, version: Int, reason: String)

    public var description: String {
        switch self {
        case .corruptRow(let agentID, let version, let reason):
            "stored row of agent \"\(agentID)\" version \(version) is unreadable: \(reason)"
        }
    }
}
