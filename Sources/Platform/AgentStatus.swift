// AgentStatus: the live switch on an agent, kept outside its versioned configuration so pausing
// an agent (stop starting new runs) does not create a new version.

/// Whether an agent accepts new runs.
public enum AgentStatus: String, Sendable, Hashable, CaseIterable {
    /// Accepts new runs.
    case active
    /// Refuses new runs until resumed.
    case paused
}
