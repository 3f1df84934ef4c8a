// Sub-agent tools (`agent__<id>`) and the tools of an upstream server called `agent` share one
// namespace. New servers may not take that id (`UpstreamServer.idProblem`); a server that got it
// before it was reserved can still exist, and an agent with sub-agents must not bind it, or a run
// would find one name for two tools.

extension AgentSpec {
    /// Why `binding` clashes with this agent's sub-agent tool names, or nil.
    public func subAgentClash(binding: BindingSpec) -> String? {
        guard !subAgents.isEmpty, binding.server == UpstreamServer.subAgentToolPrefix else { return nil }
        let prefix = UpstreamServer.subAgentToolPrefix
        return "upstream server \"\(prefix)\" cannot be bound by an agent with sub_agents: its tools are named \"\(prefix)__<tool>\" like the sub-agent tools \"\(prefix)__<agent id>\"; rename the server or drop the sub_agents"
    }
}
