import CLIKit
import JSON
import Platform
import Storage

/// What every platform subcommand needs: the opened database (created and migrated on first
/// use), a clock, the caller (the local administrator of `--workspace`, origin `cli`) and the
/// output mode. The CLI is a surface like any other: it goes through the stores, so `Policy` and
/// the audit log see every change it makes.
struct PlatformContext {
    static let databaseOption = Option(
        "db", valueName: "path", help: "The platform database (created on first use).",
        defaultValue: "./agentbridge.sqlite", environment: "AGENTBRIDGE_DB")
    static let workspaceOption = Option(
        "workspace", valueName: "id", help: "Workspace to act in.", defaultValue: Workspace.defaultID, environment: "AGENTBRIDGE_WORKSPACE")
    static let jsonFlag = Flag("json", help: "Print JSON instead of a table (for scripts).")

    let database: Database
    let caller: Caller
    let json: Bool
    let clock = WallClock.system

    init(_ args: ParsedArguments, origin: Origin = .cli) throws {
        let path = args.value("db") ?? "./agentbridge.sqlite"
        guard !path.isEmpty else { throw args.usageError("--db must not be empty") }
        database = try PlatformSchema.open(path: path)
        let workspace = args.value("workspace") ?? Workspace.defaultID
        guard try WorkspaceStore(database: database).get(id: workspace) != nil else {
            throw PlatformError.notFound(kind: .workspace, id: workspace)
        }
        caller = .local(origin, workspace: workspace)
        json = args.flag("json")
    }

    /// Prints `value` as one JSON document (sorted keys, so scripts can diff outputs).
    func printJSON(_ value: JSONValue) {
        print(JSONWriter.string(value, sortKeys: true))
    }
}
