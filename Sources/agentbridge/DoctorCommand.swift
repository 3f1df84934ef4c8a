import CLIKit
import Platform
import Storage

/// `agentbridge doctor`: opens (creating and migrating if needed) the platform database and
/// reports what an operator checks first — where it is, which schema version it has, whether WAL
/// is on, whether `PRAGMA integrity_check` passes (exit 2 if not). A database written by a newer agentbridge is refused here with a clear message.
enum DoctorCommand {
    static let command = Command(
        name: "doctor",
        abstract: "Check the platform database and print its schema version.")

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let path = args.value("db") ?? "./agentbridge.sqlite"
        guard !path.isEmpty else { throw args.usageError("--db must not be empty") }
        let database = try PlatformSchema.open(path: path)
        let version = try database.schemaVersion
        let (journal, workspaces, integrity) = try database.read { c -> (String, Int64, [String]) in
            (try c.journalMode(), try c.queryOne("SELECT count(*) FROM workspaces", [])?.int64(at: 0) ?? 0,
             try c.query("PRAGMA integrity_check").map { try $0.string(at: 0) })
        }
        print("database: \(path)")
        print("schema version: \(version) (this agentbridge knows \(PlatformSchema.migrations.count))")
        print("journal mode: \(journal)")
        print("workspaces: \(workspaces)")
        print("integrity: \(integrity.joined(separator: "; "))")
        return integrity == ["ok"] ? 0 : 2
    }
}
