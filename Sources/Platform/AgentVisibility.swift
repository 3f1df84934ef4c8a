// AgentVisibility: whether an agent is offered to MCP clients as a tool of its own. Private agents
// are reachable only through the platform's generic tools (and as sub-agents); exposed agents also
// get an `ask_<id>` tool on the MCP surface.

/// Who can see an agent as a tool.
public enum AgentVisibility: String, Sendable, Hashable, CaseIterable {
    /// Not listed as a tool of its own (the default).
    case `private`
    /// Listed on the MCP surface as `ask_<id>`.
    case exposed

    /// Every spelling accepted in a spec, in declaration order (for messages).
    public static var spellings: [String] { allCases.map(\.rawValue) }
}
