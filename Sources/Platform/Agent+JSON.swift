// The wire form of an agent: what `--json` prints and what the MCP tools and resources return, so
// every surface shows the same fields under the same names.

import JSON

extension Agent {
    /// The JSON form shown on every surface (timestamps in Unix milliseconds).
    public var json: JSONValue {
        var object: JSONObject = [
            "id": .string(id), "version": .int(Int64(version)), "status": .string(status.rawValue),
            "created_at": .int(createdAt), "updated_at": .int(updatedAt),
        ]
        object["archived_at"] = archivedAt.map(JSONValue.int) ?? .null
        object["config"] = spec.json
        return .object(object)
    }
}
