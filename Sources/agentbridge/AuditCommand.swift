import CLIKit
import JSON
import Platform

/// `agentbridge audit list|verify`: read the audit log of a workspace, and walk the whole hash
/// chain (exit 2 when it is broken, so monitoring can alert on it).
enum AuditCommand {
    static let command = Command(
        name: "audit",
        abstract: "List audit records or verify the hash chain.",
        subcommands: [
            Command(
                name: "list", abstract: "List audit records of the workspace, oldest first.",
                options: [
                    Option("after", valueName: "seq", help: "Only records after this sequence number.", defaultValue: "0"),
                    Option("limit", valueName: "n", help: "At most this many records (1–1000).", defaultValue: "100"),
                ]),
            Command(name: "verify", abstract: "Verify every record's hash and link; exit 2 if the chain is broken."),
        ])

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let context = try PlatformContext(args)
        let audit = AuditLog(database: context.database)
        switch args.commandPath.last {
        case "list":
            let after = try args.int("after", in: 0...Int.max) ?? 0
            let limit = try args.int("limit", in: 1...1000) ?? 100
            let records = try audit.list(caller: context.caller, after: Int64(after), limit: limit)
            if context.json {
                context.printJSON(.array(records.map { record in
                    var object: JSONObject = [
                        "seq": .int(record.seq), "at": .int(record.at), "actor": .string(record.actor),
                        "origin": .string(record.origin), "action": .string(record.action), "outcome": .string(record.outcome),
                    ]
                    object["target_kind"] = record.targetKind.map(JSONValue.string) ?? .null
                    object["target_id"] = record.targetID.map(JSONValue.string) ?? .null
                    object["detail"] = record.detail.flatMap { try? JSONParser.parse($0) } ?? .null
                    return .object(object)
                }))
            } else {
                var table = TextTable("SEQ", "TIME", "ACTOR", "ORIGIN", "ACTION", "TARGET", "OUTCOME", "DETAIL")
                for record in records {
                    let target = record.targetID.map { "\(record.targetKind ?? "?"):\($0)" } ?? "-"
                    table.add(
                        String(record.seq), formatTime(record.at), record.actor, record.origin, record.action, target,
                        record.outcome, record.detail ?? "")
                }
                print(table.rendered)
            }
            return 0
        case "verify":
            let result = try audit.verify()
            if context.json {
                switch result {
                case .intact(let count): context.printJSON(["intact": true, "records": .int(count)])
                case .broken(let seq, let reason): context.printJSON(["intact": false, "seq": .int(seq), "reason": .string(reason)])
                }
            } else {
                print(result.description)
            }
            if case .broken = result { return 2 }
            return 0
        default:
            throw args.usageError("missing subcommand: list or verify")
        }
    }
}
