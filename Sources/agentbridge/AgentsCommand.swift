import CLIKit
import JSON
import Platform

/// `agentbridge agents list|get|history` and `servers list`: read the agent and upstream
/// configuration (changes go through `apply`, so they are reviewed as files).
enum AgentsCommand {
    static let command = Command(
        name: "agents",
        abstract: "List agents, show one (or one version), and show its version history.",
        subcommands: [
            Command(name: "list", abstract: "List agents.", flags: [Flag("archived", help: "Include archived agents.")]),
            Command(
                name: "get", abstract: "Show an agent's current configuration, or version N of it.",
                positionals: [Positional("id", help: "The agent id."), Positional("version", help: "A version number (default: the current one).", optional: true)]),
            Command(name: "history", abstract: "List an agent's versions, newest first.", positionals: [Positional("id", help: "The agent id.")]),
        ])

    static let serversCommand = Command(
        name: "servers",
        abstract: "List upstream MCP servers.",
        subcommands: [Command(name: "list", abstract: "List upstream MCP servers.")])

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let context = try PlatformContext(args)
        let store = AgentStore(database: context.database)
        switch args.commandPath.last {
        case "list":
            var agents: [Agent] = []
            var cursor: String?
            repeat {
                let page = try store.list(caller: context.caller, includeArchived: args.flag("archived"), limit: 200, after: cursor)
                agents += page.items
                cursor = page.nextCursor
            } while cursor != nil
            if context.json {
                context.printJSON(.array(agents.map(describe)))
            } else {
                var table = TextTable("ID", "NAME", "MODEL", "VERSION", "STATUS", "BINDINGS", "UPDATED")
                for agent in agents {
                    let status = agent.archivedAt != nil ? "archived" : agent.status.rawValue
                    let servers = (agent.spec.json["bindings"]?.arrayValue ?? []).compactMap { $0["server"]?.stringValue }
                    table.add(agent.id, agent.spec.name, agent.spec.json["model"]?.stringValue ?? "?", String(agent.version), status,
                              servers.isEmpty ? "-" : servers.joined(separator: ","), formatTime(agent.updatedAt))
                }
                print(table.rendered)
            }
        case "get":
            guard let id = args.positional("id") else { throw args.usageError("missing agent id") }
            if let text = args.positional("version") {
                guard let version = Int(text), version >= 1 else { throw args.usageError("invalid version '\(text)'; expected a number ≥ 1") }
                let stored = try store.version(caller: context.caller, id: id, version: version)
                context.printJSON(["id": .string(id), "version": .int(Int64(stored.version)), "created_at": .int(stored.createdAt),
                                   "created_by": .string(stored.createdBy), "config": stored.spec.json])
            } else {
                context.printJSON(describe(try store.get(caller: context.caller, id: id)))
            }
        case "history":
            guard let id = args.positional("id") else { throw args.usageError("missing agent id") }
            let versions = try store.history(caller: context.caller, id: id)
            if context.json {
                context.printJSON(.array(versions.map { version in
                    ["version": .int(Int64(version.version)), "created_at": .int(version.createdAt), "created_by": .string(version.createdBy), "config": version.spec.json]
                }))
            } else {
                var table = TextTable("VERSION", "CREATED", "BY", "MODEL", "NAME")
                for version in versions {
                    table.add(String(version.version), formatTime(version.createdAt), version.createdBy,
                              version.spec.json["model"]?.stringValue ?? "?", version.spec.name)
                }
                print(table.rendered)
            }
        default:
            throw args.usageError("missing subcommand: list, get or history")
        }
        return 0
    }

    static func describe(_ agent: Agent) -> JSONValue { agent.json }

    static func runServers(_ args: ParsedArguments) throws -> Int32 {
        let context = try PlatformContext(args)
        let store = UpstreamServerStore(database: context.database)
        var servers: [UpstreamServer] = []
        while true {
            let page = try store.list(caller: context.caller, limit: 200, after: servers.last?.id)
            servers += page
            if page.count < 200 { break }
        }
        if context.json {
            context.printJSON(.array(servers.map(\.json)))
        } else {
            var table = TextTable("ID", "TRANSPORT", "TARGET", "ENABLED", "TIMEOUT", "UPDATED")
            for server in servers {
                let json = server.spec.json
                let transport = json["transport"]?.stringValue ?? "?"
                let target = transport == "http" ? (json["url"]?.stringValue ?? "") : (json["command"]?.stringValue ?? "")
                table.add(server.id, transport, target, server.enabled ? "yes" : "no",
                          json["timeout_s"]?.intValue.map { "\($0)s" } ?? "-", formatTime(server.updatedAt))
            }
            print(table.rendered)
        }
        return 0
    }
}
