// The wire form of an approval: what `--json` prints and what the MCP tools and resources return, so
// every surface shows the same fields under the same names.

import JSON

extension Approval {
    /// The JSON form shown on every surface (timestamps in Unix milliseconds).
    public var json: JSONValue {
        var object: JSONObject = [
            "id": .string(id), "agent_id": .string(agentID),
            "tool_call_id": .string(toolCallID), "tool_name": .string(toolName), "arguments": arguments,
            "status": .string(status.rawValue), "expires_at": .int(expiresAt), "created_at": .int(createdAt),
        ]
        object["run_id"] = runID.map(JSONValue.string) ?? .null
        object["requested_by"] = requestedBy.map(JSONValue.string) ?? .null
        object["server_id"] = serverID.map(JSONValue.string) ?? .null
        object["approved_arguments"] = approvedArguments ?? .null
        object["decided_by"] = decidedBy.map(JSONValue.string) ?? .null
        object["decided_at"] = decidedAt.map(JSONValue.int) ?? .null
        object["reason"] = reason.map(JSONValue.string) ?? .null
        object["used_at"] = usedAt.map(JSONValue.int) ?? .null
        return .object(object)
    }
}
