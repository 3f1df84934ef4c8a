// The upstream tools: which upstream MCP servers are configured (configuration only — header and
// environment values are `${credential:…}` templates, never secrets) and what tools one of them
// offers right now, before any binding filters them (for writing allow-lists).

import Bridge
import JSON
import MCP
import Platform
import Storage

extension PlatformCatalog {
    /// The agent id under which the platform itself connects to an upstream to list its tools.
    /// Not a valid agent id, so it never shares a per-agent connection with a real agent.
    static let listingAgentID = "@platform"

    static func upstreamTools(_ database: Database, _ registry: UpstreamRegistry?) -> [PlatformTool] {
        return [
            PlatformTool(Tool(
                name: "list_upstream_servers", title: "List upstream servers",
                description: "Lists the upstream MCP servers agents can be bound to, with their configuration (secrets appear only as ${credential:NAME} references).",
                inputSchema: Schema.object([("limit", Schema.limit), ("cursor", Schema.cursor)]),
                outputSchema: Schema.page("servers"),
                annotations: ToolAnnotations(title: "List upstream servers", readOnlyHint: true, openWorldHint: false)),
                action: .readUpstreams
            ) { call in
                let limit = call.limit
                let servers = try UpstreamServerStore(database: database).list(caller: call.caller, limit: limit, after: call.string("cursor"))
                return .structured(Self.page("servers", servers.map(\.json), next: servers.count == limit ? servers.last?.id : nil))
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
                    let binding = try BindingSpec.parse(["server": .string(id)])
                    let upstream = try registry.upstream(for: server, binding: binding, agentID: Self.listingAgentID)
                    let tools = try await upstream.tools(timeout: .seconds(server.spec.timeoutSeconds))
                    return .structured(["server_id": .string(id), "tools": .array(tools.map(\.json))])
                } catch let error as PlatformError {
                    throw error
                } catch {
                    return .error("list_upstream_tools: upstream server \"\(id)\" could not be listed: \(error)")
                }
            },
        ]
    }
}
