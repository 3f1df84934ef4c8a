// AgentVersion: one immutable entry of an agent's history — the full configuration as it was
// written, who wrote it and when. Sessions pin one of these.

/// One stored version of an agent's configuration.
public struct AgentVersion: Sendable, Hashable {
    public let agentID: String
    public let version: Int
    public let spec: AgentSpec
    /// Unix ms.
    public let createdAt: Int64
    /// The actor that wrote it (API key id or `local`).
    public let createdBy: String

    public init(agentID: String, version: Int, spec: AgentSpec, createdAt: Int64, createdBy: String) {
        self.agentID = agentID
        self.version = version
        self.spec = spec
        self.createdAt = createdAt
        self.createdBy = createdBy
    }
}
