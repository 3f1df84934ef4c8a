// The upstream tools: which upstream MCP servers are configured (configuration only — header and
// environment values are `${credential:…}` templates, never secrets) and what tools one of them
// offers right now, before any binding filters them (for writing allow-lists).

import Bridge
import JSON
import MCP
import Platform
import Storage
import Supervision
import Foundation

extension PlatformCatalog {
    /// The agent id under which the platform itself connects to an upstream to list its tools.
    /// Not a valid agent id, so it never shares a per-agent connection with a real agent.
    static let listingAgentID = "@platform"

    static func upstreamTools(_ database: Database, _ registry: UpstreamRegistry?) -> [PlatformTool] {
        return [
            PlatformTool(Tool(
                name: "list_upstream_servers", title: "List upstream servers",
                description: "Lists the upstream MCP servers agents can be bound to, with their configuration (secrets appear only as ${credential:NAME} references) and the health of each live connection to them (up, degraded or down, with the reason and since when).",
                inputSchema: Schema.object([("limit", Schema.limit), ("cursor", Schema.cursor)]),
                outputSchema: Schema.page("servers"),
                annotations: ToolAnnotations(title: "List upstream servers", readOnlyHint: true, openWorldHint: false)),
                action: .readUpstreams
            ) { call in
                let limit = call.limit
                let servers = try UpstreamServerStore(database: database).list(caller: call.caller, limit: limit, after: call.string("cursor"))
                let items = servers.map { server -> JSONValue in
                    guard var object = server.json.objectValue else { return server.json }
                    let live = registry?.health(workspaceID: server.workspaceID, serverID: server.id) ?? []
                    object["connections"] = .array(live.map { Self.connectionJSON($0.key, $0.health) })
                    return .object(object)
                }
                return .structured(Self.page("servers", items, next: servers.count == limit ? servers.last?.id : nil))
            },
            PlatformTool(Tool(
                name: "list_upstream_tools", title: "List an upstream server's tools",
                description: "Connects to an upstream server (starting it if needed) and lists every tool it offers, before any binding's allow-list.",
                inputSchema: Schema.object([("server_id", Schema.id("The upstream server id."))], required: ["server_id"]),
                outputSchema: Schema.object([("server_id", ["type": "string"]), ("tools", ["type": "array", "items": ["type": "object"]])], required: ["server_id", "tools"]),
                annotations: ToolAnnotations(title: "List an upstream server's tools", readOnlyHint: true, openWorldHint: true)),
                action: .readUpstreams
            ) { call in
                let id = call.string("server_id")!
                let server = try UpstreamServerStore(database: database).get(caller: call.caller, id: id)
                guard let registry else { return .error("list_upstream_tools: this server has no upstream registry") }
                guard server.enabled else { return .error("list_upstream_tools: upstream server \"\(id)\" is disabled") }
                do {
                    // A binding that says nothing: it lists under the server's own timeout, as
                    // any such binding of an agent would.
                    let binding = try BindingSpec.parse(["server": .string(id)]).inheriting(from: server.spec)
                    let upstream = try registry.upstream(for: server, binding: binding, agentID: Self.listingAgentID)
                    let tools = try await upstream.tools(timeout: .seconds(binding.timeoutSeconds))
                    return .structured(["server_id": .string(id), "tools": .array(tools.map(\.json))])
                } catch let error as PlatformError {
                    throw error
                } catch {
                    return .error("list_upstream_tools: upstream server \"\(id)\" could not be listed: \(error)")
                }
            },
        ]
    }

    /// One live connection: its scope (`agent:…`, `session:…`, or null when shared) and health;
    /// `since` in Unix milliseconds like every other time the platform reports.
    static func connectionJSON(_ key: UpstreamKey, _ health: Supervisor.Health) -> JSONValue {
        var object: JSONObject = ["scope": key.scope.map(JSONValue.string) ?? .null]
        switch health {
        case .starting:
            object["status"] = "starting"
        case .up(let since):
            object["status"] = "up"
            object["since"] = .int(Int64((since.timeIntervalSince1970 * 1000).rounded()))
        case .degraded(let reason, let since):
            object["status"] = "degraded"
            object["reason"] = .string(reason)
            object["since"] = .int(Int64((since.timeIntervalSince1970 * 1000).rounded()))
        case .down(let reason, let since):
            object["status"] = "down"
            object["reason"] = .string(reason)
            object["since"] = .int(Int64((since.timeIntervalSince1970 * 1000).rounded()))
        }
        return .object(object)
    }
}
