// The wire form of an event: what `runs get --json` prints, what the run resource and the MCP
// tools return, so every surface names the fields alike.

import JSON

extension Event {
    /// The JSON form shown on every surface (timestamp in Unix milliseconds).
    public var json: JSONValue {
        var object: JSONObject = ["seq": .int(seq), "type": .string(type.rawValue), "data": data, "created_at": .int(createdAt)]
        if let runID { object["run_id"] = .string(runID) }
        return .object(object)
    }
}
