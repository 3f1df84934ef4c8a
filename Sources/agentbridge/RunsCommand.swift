import CLIKit
import JSON
import Platform

/// `agentbridge sessions list`, `runs list|get` and `approvals list|decide`: follow what agents
/// are doing and decide the tool calls that wait for a human.
enum RunsCommand {
    static let sessionsCommand = Command(
        name: "sessions",
        abstract: "List sessions.",
        subcommands: [
            Command(name: "list", abstract: "List sessions, newest first.", options: [
                Option("agent", valueName: "id", help: "Only this agent's sessions."),
                Option("limit", valueName: "n", help: "At most this many (1–200).", defaultValue: "50"),
            ]),
        ])

    static let runsCommand = Command(
        name: "runs",
        abstract: "List runs and show one with its events.",
        subcommands: [
            Command(name: "list", abstract: "List runs, newest first.", options: [
                Option("session", valueName: "id", help: "Only this session's runs."),
                Option("agent", valueName: "id", help: "Only this agent's runs."),
                Option("status", valueName: "status", help: "Only runs in this status."),
                Option("limit", valueName: "n", help: "At most this many (1–200).", defaultValue: "50"),
            ]),
            Command(name: "get", abstract: "Show a run and its events.", positionals: [Positional("id", help: "The run id.")]),
            Command(
                name: "cancel", abstract: "Cancel a run; the process driving it stops its model and tool calls within a moment.",
                options: [Option("reason", valueName: "text", help: "Why (recorded with the run).")],
                positionals: [Positional("id", help: "The run id.")]),
        ])

    static let approvalsCommand = Command(
        name: "approvals",
        abstract: "List and decide tool calls waiting for a human.",
        subcommands: [
            Command(name: "list", abstract: "List approvals (pending by default).", options: [
                Option("status", valueName: "status", help: "pending, approved, rejected, expired or all.", defaultValue: "pending"),
                Option("run", valueName: "id", help: "Only this run's approvals."),
            ]),
            Command(
                name: "decide", abstract: "Approve or reject a pending tool call.",
                options: [
                    Option("arguments", valueName: "json", help: "Approve with these (edited) arguments, a JSON object."),
                    Option("reason", valueName: "text", help: "Why (recorded with the decision)."),
                ],
                flags: [Flag("approve", help: "Approve the call."), Flag("reject", help: "Reject the call.")],
                positionals: [Positional("id", help: "The approval id.")]),
        ])

    static func runSessions(_ args: ParsedArguments) throws -> Int32 {
        let context = try PlatformContext(args)
        let limit = try args.int("limit", in: 1...200) ?? 50
        let page = try SessionStore(database: context.database).list(
            caller: context.caller, agentID: args.value("agent"), userReference: nil, limit: limit, after: nil)
        if context.json {
            context.printJSON(.array(page.map(describe)))
        } else {
            var table = TextTable("ID", "AGENT", "VERSION", "USER", "REFERENCE", "STATUS", "EVENTS", "UPDATED")
            for session in page {
                table.add(session.id, session.agentID, String(session.agentVersion), session.userReference, session.sessionReference ?? "-",
                          session.status.rawValue, String(session.lastEventSeq), formatTime(session.updatedAt))
            }
            print(table.rendered)
        }
        return 0
    }

    static func runRuns(_ args: ParsedArguments) throws -> Int32 {
        let context = try PlatformContext(args)
        let store = RunStore(database: context.database)
        switch args.commandPath.last {
        case "list":
            let limit = try args.int("limit", in: 1...200) ?? 50
            var status: RunStatus?
            if let text = args.value("status") {
                guard let parsed = RunStatus(rawValue: text) else { throw args.usageError("unknown status '\(text)'") }
                status = parsed
            }
            let page = try store.list(caller: context.caller, sessionID: args.value("session"), agentID: args.value("agent"), status: status, limit: limit, after: nil)
            if context.json {
                context.printJSON(.array(page.map(describe)))
            } else {
                var table = TextTable("ID", "AGENT", "VERSION", "SESSION", "TRIGGER", "STATUS", "STEPS", "TOKENS IN/OUT", "CREATED")
                for run in page {
                    table.add(run.id, run.agentID, String(run.agentVersion), run.sessionID, run.trigger.rawValue, run.status.rawValue,
                              String(run.steps), "\(run.tokensIn)/\(run.tokensOut)", formatTime(run.createdAt))
                }
                print(table.rendered)
            }
        case "get":
            guard let id = args.positional("id") else { throw args.usageError("missing run id") }
            let run = try store.get(caller: context.caller, id: id)
            let events = try EventLog(database: context.database).read(caller: context.caller, runID: id, after: 0, limit: 1000)
            var object = describe(run).objectValue ?? [:]
            object["events"] = .array(events.map(\.json))
            context.printJSON(.object(object))
        case "cancel":
            guard let id = args.positional("id") else { throw args.usageError("missing run id") }
            // The driver (here, in `serve` or another `run`) notices at its next tick and cancels
            // the model stream and the upstream call in flight.
            let run = try store.cancel(caller: context.caller, id: id, reason: args.value("reason"))
            if context.json { context.printJSON(describe(run)) } else { print("cancelled \(run.id) (\(run.agentID))") }
        default:
            throw args.usageError("missing subcommand: list, get or cancel")
        }
        return 0
    }

    static func runApprovals(_ args: ParsedArguments) throws -> Int32 {
        let context = try PlatformContext(args)
        let store = ApprovalStore(database: context.database)
        switch args.commandPath.last {
        case "list":
            let text = args.value("status") ?? "pending"
            var status: ApprovalStatus?
            if text != "all" {
                guard let parsed = ApprovalStatus(rawValue: text) else { throw args.usageError("unknown status '\(text)'") }
                status = parsed
            }
            let page = try store.list(caller: context.caller, status: status, runID: args.value("run"), limit: 200, after: nil)
            if context.json {
                context.printJSON(.array(page.map(describe)))
            } else {
                var table = TextTable("ID", "RUN", "AGENT", "TOOL", "STATUS", "EXPIRES", "DECIDED BY")
                for approval in page {
                    table.add(approval.id, approval.runID ?? "gateway", approval.agentID, [approval.serverID, approval.toolName].compactMap { $0 }.joined(separator: "/"),
                              approval.status.rawValue, formatTime(approval.expiresAt), approval.decidedBy ?? "-")
                }
                print(table.rendered)
            }
        case "decide":
            guard let id = args.positional("id") else { throw args.usageError("missing approval id") }
            let approve = args.flag("approve"), reject = args.flag("reject")
            guard approve != reject else { throw args.usageError("give exactly one of --approve or --reject") }
            var arguments: JSONValue?
            if let text = args.value("arguments") {
                guard reject == false else { throw args.usageError("--arguments only makes sense with --approve") }
                do { arguments = try JSONParser.parse(text) } catch { throw args.usageError("--arguments is not valid JSON: \(error)") }
            }
            let approval = try store.decide(caller: context.caller, id: id, approve: approve, arguments: arguments, reason: args.value("reason"))
            if context.json { context.printJSON(describe(approval)) } else { print("\(approval.id): \(approval.status.rawValue)") }
        default:
            throw args.usageError("missing subcommand: list or decide")
        }
        return 0
    }

    static func describe(_ session: Session) -> JSONValue { session.json }

    static func describe(_ run: Run) -> JSONValue { run.json }

    static func describe(_ approval: Approval) -> JSONValue { approval.json }
}
