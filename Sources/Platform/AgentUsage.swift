// AgentUsage: what an agent's runs cost in one workspace — runs, model steps and tokens in and
// out, summed over every run (finished or not: tokens already spent count). The runtime records
// each model step with `RunStore.recordStep`; this is the per-agent view of those numbers.

/// Totals of one agent's runs.
public struct AgentUsage: Sendable, Hashable {
    public let agentID: String
    public let runs: Int64
    public let steps: Int64
    public let tokensIn: Int64
    public let tokensOut: Int64

    public init(agentID: String, runs: Int64, steps: Int64, tokensIn: Int64, tokensOut: Int64) {
        self.agentID = agentID
        self.runs = runs
        self.steps = steps
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
    }
}
