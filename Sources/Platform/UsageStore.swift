// UsageStore: per-agent usage totals (runs, steps, tokens) of a workspace, summed from the runs
// table at read time — the runs are the single record of what was spent, so the totals can never
// drift from them. Needs `usage:read`; agent-restricted callers see only their agents.

import Storage

/// Usage queries.
public struct UsageStore: Sendable {
    private let database: Database
    private let gate: AccessGate

    public init(database: Database, clock: WallClock = .system) {
        self.database = database
        self.gate = AccessGate(audit: AuditLog(database: database, clock: clock))
    }

    /// Totals per agent of the caller's workspace, by agent id; only `agentID` when given (an
    /// agent without runs then has zero totals).
    public func agentTotals(caller: Caller, agentID: String? = nil) throws -> [AgentUsage] {
        try gate.check(caller, .readUsage)
        if let agentID { try gate.check(caller, .readUsage, .agent(agentID, workspace: caller.workspaceID)) }
        let restriction = ListQuery.restriction(caller.principal)
        let rows = try database.read { connection in
            try connection.query(
                """
                SELECT agent_id, count(*) AS runs, sum(steps) AS steps, sum(tokens_in) AS tokens_in,
                    sum(tokens_out) AS tokens_out
                FROM runs
                WHERE workspace_id = ? AND (? IS NULL OR agent_id = ?) AND \(ListQuery.restrictionCondition)
                GROUP BY agent_id ORDER BY agent_id
                """,
                [.text(caller.workspaceID), .optionalText(agentID), .optionalText(agentID), restriction, restriction])
        }
        let totals = try rows.map { row in
            AgentUsage(
                agentID: try row.string("agent_id"), runs: try row.int64("runs"), steps: try row.int64("steps"),
                tokensIn: try row.int64("tokens_in"), tokensOut: try row.int64("tokens_out"))
        }
        if let agentID, totals.isEmpty { return [AgentUsage(agentID: agentID, runs: 0, steps: 0, tokensIn: 0, tokensOut: 0)] }
        return totals
    }
}
