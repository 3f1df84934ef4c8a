import CLIKit
import JSON
import Platform

/// `agentbridge workspaces list|create`: the tenants of one database. Every agent, key, session
/// and run belongs to exactly one workspace, and a key of one workspace cannot tell another
/// workspace's ids from ids that do not exist. The CLI works with the database file directly,
/// so it acts as the machine's administrator; `--workspace` on other commands picks the tenant.
enum WorkspacesCommand {
    static let command = Command(
        name: "workspaces",
        abstract: "List and create workspaces.",
        subcommands: [
            Command(name: "list", abstract: "List workspaces, oldest first."),
            Command(
                name: "create", abstract: "Create a workspace (then: agentbridge --workspace ID apply|keys create …).",
                options: [Option("name", valueName: "text", help: "A display name (default: the id).")],
                positionals: [Positional("id", help: "Lowercase letters, digits and dashes.")]),
        ])

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let path = args.value("db") ?? "./agentbridge.sqlite"
        guard !path.isEmpty else { throw args.usageError("--db must not be empty") }
        let store = WorkspaceStore(database: try PlatformSchema.open(path: path))
        let json = args.flag("json")
        switch args.commandPath.last {
        case "create":
            guard let id = args.positional("id") else { throw args.usageError("missing workspace id") }
            let workspace = try store.create(id: id, name: args.value("name") ?? id)
            if json { print(JSONWriter.string(describe(workspace), sortKeys: true)) } else { print("created workspace \(workspace.id)") }
        default:
            let all = try store.list()
            if json {
                print(JSONWriter.string(.array(all.map(describe)), sortKeys: true))
            } else {
                var table = TextTable("ID", "NAME", "CREATED")
                for workspace in all { table.add(workspace.id, workspace.name, formatTime(workspace.createdAt)) }
                print(table.rendered)
            }
        }
        return 0
    }

    static func describe(_ workspace: Workspace) -> JSONValue {
        ["id": .string(workspace.id), "name": .string(workspace.name), "created_at": .int(workspace.createdAt)]
    }
}
