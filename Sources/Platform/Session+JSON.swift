// The wire form of a session: what `--json` prints and what the MCP tools and resources return, so
// every surface shows the same fields under the same names.

import JSON

extension Session {
    /// The JSON form shown on every surface (timestamps in Unix milliseconds).
    public var json: JSONValue {
        var object: JSONObject = [
            "id": .string(id), "agent_id": .string(agentID), "agent_version": .int(Int64(agentVersion)),
            "user_reference": .string(userReference), "status": .string(status.rawValue),
            "last_event_seq": .int(lastEventSeq), "created_at": .int(createdAt), "updated_at": .int(updatedAt),
        ]
        object["session_reference"] = sessionReference.map(JSONValue.string) ?? .null
        object["title"] = title.map(JSONValue.string) ?? .null
        return .object(object)
    }
}
