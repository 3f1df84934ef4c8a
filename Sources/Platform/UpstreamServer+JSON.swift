// The wire form of an upstream server (its configuration as stored: environment and header
// values are templates such as `${credential:NAME}`, never resolved secrets).

import JSON

extension UpstreamServer {
    /// The JSON form shown on every surface (timestamps in Unix milliseconds).
    public var json: JSONValue {
        ["id": .string(id), "enabled": .bool(enabled), "created_at": .int(createdAt), "updated_at": .int(updatedAt), "config": spec.json]
    }
}

extension AgentVersion {
    /// The JSON form of one stored version of an agent.
    public var json: JSONValue {
        ["agent_id": .string(agentID), "version": .int(Int64(version)), "created_at": .int(createdAt), "created_by": .string(createdBy), "config": spec.json]
    }
}
