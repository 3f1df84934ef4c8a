// RunTools: the tools one run offers its model — the agent's governed upstream tools (through
// `AgentCatalogProvider`, for the pinned version's bindings) and one tool per sub-agent,
// `agent__<id>` (named like a generated upstream tool of a server called `agent`, so the same
// length and character rules hold). At the depth limit sub-agents are not offered, and a call to
// one anyway is answered with the limit instead of a new run. A sub-agent tool whose name equals
// an upstream tool's is a configuration error, not a silent preference; `agentbridge apply` and the
// agent store refuse it up front (the server id `agent` is reserved), so the check below only
// catches data stored before that.

import Bridge
import JSON
import Models
import Platform

/// The tool set of one run.
struct RunTools: Sendable {
    /// What a tool name leads to.
    enum Target: Sendable {
        case upstream(ToolRoute)
        case subAgent(id: String)
        /// Not callable; the text tells the model why.
        case refused(String)
    }

    /// A sub-agent as offered to the model.
    struct SubAgent: Sendable {
        let id: String
        let tool: ModelTool
    }

    let spec: AgentSpec
    let provider: AgentCatalogProvider
    /// Sub-agents by exposed tool name (all of them, even at the depth limit).
    let subAgents: [String: SubAgent]
    /// Whether the run is at the depth limit.
    let atDepthLimit: Bool
    let maxDepth: Int

    /// The exposed tool name of sub-agent `id`.
    static func toolName(forSubAgent id: String) -> String { ToolNaming.exposedName(server: UpstreamServer.subAgentToolPrefix, tool: id) }

    /// The argument schema of every sub-agent tool.
    static let subAgentSchema: JSONValue = [
        "type": "object",
        "properties": ["message": ["type": "string", "description": "What to ask the agent, with everything it needs to know."]],
        "required": ["message"],
    ]

    /// The model's view of the tools: upstream tools first, then sub-agents (unless at the limit).
    func list() async throws -> [ModelTool] {
        let listing = await provider.governedTools(of: spec)
        var tools: [ModelTool] = []
        for definition in listing.items {
            guard let name = definition["name"]?.stringValue else { continue }
            if subAgents[name] != nil {
                throw RuntimeError.configuration(
                    "tool name \(name) is both a sub-agent and a tool of upstream server \"agent\"; rename the server or drop the sub-agent")
            }
            let description = definition["description"]?.stringValue ?? definition["title"]?.stringValue ?? ""
            tools.append(ModelTool(name: name, description: description, inputSchema: definition["inputSchema"] ?? ["type": "object"]))
        }
        if !atDepthLimit { tools += subAgents.values.map(\.tool).sorted { $0.name < $1.name } }
        return tools
    }

    /// Where a call to `name` goes.
    func target(for name: String) async -> Target {
        if let subAgent = subAgents[name] {
            if atDepthLimit {
                return .refused("\(name) is not available: the sub-agent depth limit (\(maxDepth)) is reached; answer without delegating")
            }
            return .subAgent(id: subAgent.id)
        }
        if let route = await provider.allowedRoute(name, in: spec) { return .upstream(route) }
        return .refused("unknown tool \(name); call only the tools you were given")
    }
}
