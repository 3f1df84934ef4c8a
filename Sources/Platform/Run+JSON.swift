// The wire form of a run: what `--json` prints and what the MCP tools and resources return, so
// every surface shows the same fields under the same names.

import JSON

extension Run {
    /// The JSON form shown on every surface (timestamps in Unix milliseconds).
    public var json: JSONValue {
        var object: JSONObject = [
            "id": .string(id), "session_id": .string(sessionID), "agent_id": .string(agentID),
            "agent_version": .int(Int64(agentVersion)), "trigger": .string(trigger.rawValue), "status": .string(status.rawValue),
            "input": input, "steps": .int(Int64(steps)), "tokens_in": .int(Int64(tokensIn)), "tokens_out": .int(Int64(tokensOut)),
            "created_at": .int(createdAt),
        ]
        object["output"] = output ?? .null
        object["error"] = error.map(JSONValue.string) ?? .null
        object["started_at"] = startedAt.map(JSONValue.int) ?? .null
        object["finished_at"] = finishedAt.map(JSONValue.int) ?? .null
        return .object(object)
    }
}
