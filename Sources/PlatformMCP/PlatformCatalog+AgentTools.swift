// The agent tools: list, get (any version), create, update (with optimistic concurrency) and
// archive. Configurations are the same `AgentSpec` documents a manifest holds, validated with
// every issue reported at once with its JSON path.

import JSON
import MCP
import Platform
import Storage

extension PlatformCatalog {
    static func agentTools(_ database: Database, changed agentsChanged: @escaping @Sendable () -> Void) -> [PlatformTool] {
        let agentObject: JSONValue = Schema.anyObject
        return [
            PlatformTool(Tool(
                name: "list_agents", title: "List agents",
                description: "Lists the agents this key can see, by id, with their current configuration.",
                inputSchema: Schema.object([
                    ("include_archived", Schema.boolean("Include archived agents (default false).")),
                    ("limit", Schema.limit), ("cursor", Schema.cursor),
                ]),
                outputSchema: Schema.page("agents"),
                annotations: ToolAnnotations(title: "List agents", readOnlyHint: true, openWorldHint: false)),
                action: .readAgents
            ) { call in
                let page = try AgentStore(database: database).list(
                    caller: call.caller, includeArchived: call.bool("include_archived") ?? false, limit: call.limit, after: call.string("cursor"))
                return .structured(["agents": .array(page.items.map(\.json)), "next_cursor": page.nextCursor.map(JSONValue.string) ?? .null])
            },
            PlatformTool(Tool(
                name: "get_agent", title: "Get an agent",
                description: "Returns one agent: its current configuration, or a given earlier version.",
                inputSchema: Schema.object([
                    ("id", Schema.id("The agent id.")),
                    ("version", Schema.integer("A version number (default: the current one).", 1...1_000_000)),
                ], required: ["id"]),
                outputSchema: agentObject,
                annotations: ToolAnnotations(title: "Get an agent", readOnlyHint: true, openWorldHint: false)),
                action: .readAgents
            ) { call in
                let store = AgentStore(database: database)
                if let version = call.int("version") {
                    return .structured(try store.version(caller: call.caller, id: call.string("id")!, version: version).json)
                }
                return .structured(try store.get(caller: call.caller, id: call.string("id")!).json)
            },
            PlatformTool(Tool(
                name: "create_agent", title: "Create an agent",
                description: "Creates an agent from a configuration (the same document as an agent in a manifest: name, instructions, model \"provider/model\", bindings, …). Every problem is reported with its JSON path.",
                inputSchema: Schema.object([
                    ("id", Schema.id("The new agent's id: lowercase letters, digits, '-' and '_'.")),
                    ("config", Schema.freeObject("The agent configuration.")),
                ], required: ["id", "config"]),
                outputSchema: agentObject,
                annotations: ToolAnnotations(title: "Create an agent", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false)),
                action: .writeAgents
            ) { call in
                let spec = try AgentSpec.parse(call.arguments["config"]!, path: "$.config")
                let agent = try AgentStore(database: database).create(caller: call.caller, id: call.string("id")!, spec: spec)
                agentsChanged()
                return .structured(agent.json)
            },
            PlatformTool(Tool(
                name: "update_agent", title: "Update an agent",
                description: "Replaces an agent's configuration, creating a new version (an identical configuration changes nothing). Pass expected_version to refuse the update if someone else changed the agent meanwhile.",
                inputSchema: Schema.object([
                    ("id", Schema.id("The agent id.")),
                    ("config", Schema.freeObject("The complete new configuration.")),
                    ("expected_version", Schema.integer("Refuse unless this is the current version.", 1...1_000_000)),
                ], required: ["id", "config"]),
                outputSchema: Schema.object([("agent", agentObject), ("changed", ["type": "boolean"])], required: ["agent", "changed"]),
                annotations: ToolAnnotations(title: "Update an agent", readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false)),
                action: .writeAgents
            ) { call in
                let spec = try AgentSpec.parse(call.arguments["config"]!, path: "$.config")
                let (agent, changed) = try AgentStore(database: database).update(
                    caller: call.caller, id: call.string("id")!, spec: spec, expectedVersion: call.int("expected_version"))
                if changed { agentsChanged() }
                return .structured(["agent": agent.json, "changed": .bool(changed)])
            },
            PlatformTool(Tool(
                name: "archive_agent", title: "Archive an agent",
                description: "Archives an agent: it can no longer run and is hidden from lists (its history is kept).",
                inputSchema: Schema.object([("id", Schema.id("The agent id."))], required: ["id"]),
                outputSchema: agentObject,
                annotations: ToolAnnotations(title: "Archive an agent", readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false)),
                action: .writeAgents
            ) { call in
                let agent = try AgentStore(database: database).archive(caller: call.caller, id: call.string("id")!)
                agentsChanged()
                return .structured(agent.json)
            },
        ]
    }
}
