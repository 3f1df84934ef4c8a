import Bridge
import CLIKit
import Dispatch
import Foundation
import HTTPClient
import JSON
import Platform
import Runtime

#if canImport(Glibc)
import Glibc
#endif

/// `agentbridge run AGENT "message"`: runs an agent here and streams the run to the terminal —
/// the answer as it arrives, tool calls and results marked (RunPrinter). Approvals are asked
/// inline when stdin is a terminal; otherwise the command prints the approval ids and exits with
/// `paused` (decide them with `agentbridge approvals decide`, then continue with
/// `agentbridge run --resume RUN`, or let a running `agentbridge serve` adopt the run). Ctrl-C
/// cancels the run. The exit status says how the run ended (RunExitCode).
enum RunCommand {
    /// Exit statuses of `run` (1 stays "the command failed before or around the run", 64 usage).
    enum RunExitCode {
        static let completed: Int32 = 0
        static let failed: Int32 = 3
        static let cancelled: Int32 = 4
        static let paused: Int32 = 5
        static let interrupted: Int32 = 6
    }

    static let command = Command(
        name: "run",
        abstract: "Run an agent and stream what it does.",
        discussion: """
            Exit status: 0 completed, 3 failed, 4 cancelled, 5 paused waiting for approvals (stdin is not a terminal), \
            6 interrupted, 1 could not run. The run id and its session go to stderr first.
            """,
        options: [
            Option("session", valueName: "id", help: "Continue this session (default: a new session)."),
            Option("var", valueName: "name=value", help: "A variable of the agent's instructions (repeatable).", repeatable: true),
            Option("resume", valueName: "run", help: "Continue an unfinished run instead of starting one (after deciding its approvals)."),
            Option("approval-timeout", valueName: "seconds", help: "How long an approval waits before it expires and fails the run.", defaultValue: "3600"),
        ],
        positionals: [
            Positional("agent", help: "The agent id.", optional: true),
            Positional("message", help: "What to ask it.", optional: true),
        ])

    static func run(_ args: ParsedArguments) async throws -> Int32 {
        let context = try PlatformContext(args)
        var variables: [String: String] = [:]
        for assignment in args.values("var") {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw args.usageError("--var needs name=value (got '\(assignment)')")
            }
            variables[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        let resume = args.value("resume")
        if resume != nil && (args.positional("agent") != nil || !variables.isEmpty || args.value("session") != nil) {
            throw args.usageError("--resume continues an existing run: give no agent, message, --var or --session")
        }
        let environment = ProcessInfo.processInfo.environment
        let vault = try CredentialStore(
            database: context.database, clock: context.clock,
            masterKey: try MasterKey.load(databasePath: context.database.path, environment: environment))
        let registry = UpstreamRegistry(vault: vault, environment: environment, addressPolicy: try UpstreamNetworks.policy(args, environment: environment),
                                       adoptOrphans: true)
        var configuration = RuntimeConfiguration()
        configuration.environment = environment
        configuration.approvalTimeout = .seconds(try args.int("approval-timeout", in: 1...604_800) ?? 3600)
        configuration.log = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        let runtime = AgentRuntime(
            database: context.database, registry: registry, vault: vault, models: StandardModelClientFactory.live(http: HTTPClient()),
            configuration: configuration, clock: context.clock)

        let run: Run
        let after: Int64
        if let resume {
            run = try RunStore(database: context.database).get(caller: context.caller, id: resume)
            after = try SessionStore(database: context.database).get(caller: context.caller, id: run.sessionID).lastEventSeq
        } else {
            guard let agentID = args.positional("agent"), let message = args.positional("message") else {
                throw args.usageError("give an agent and a message (or --resume RUN)")
            }
            let session: SessionChoice = args.value("session").map(SessionChoice.existing) ?? .new(owner: context.caller.principal.actorID)
            run = try runtime.start(caller: context.caller, agentID: agentID, message: message, session: session, variables: variables, trigger: .cli)
            after = 0
        }
        FileHandle.standardError.write(Data("agentbridge: run \(run.id) (agent \(run.agentID), session \(run.sessionID))\n".utf8))
        cancelOnInterrupt(runtime: runtime, caller: context.caller, runID: run.id)
        let printer = RunPrinter(json: context.json, after: after)
        let code: Int32
        do {
            code = try await follow(run, runtime: runtime, context: context, printer: printer)
        } catch {
            await runtime.shutdown()
            await registry.stopAll()
            throw error
        }
        await runtime.shutdown()
        await registry.stopAll()
        return code
    }

    /// Drives the run while printing its events; asks for approvals when it pauses on a terminal.
    static func follow(_ run: Run, runtime: AgentRuntime, context: PlatformContext, printer: RunPrinter) async throws -> Int32 {
        let interactive = isatty(STDIN_FILENO) == 1
        while true {
            let follower = Task {
                for try await event in runtime.events(caller: context.caller, runID: run.id, after: printer.lastSeq) { printer.print(event) }
            }
            let outcome = try await runtime.drive(caller: context.caller, runID: run.id, policy: .returnWhenPaused)
            if case .busy = outcome {
                // Another process drives it (a server adopted it): watch it to its end.
                FileHandle.standardError.write(Data("agentbridge: run \(run.id) is driven by another process; following it\n".utf8))
                _ = await follower.result
            } else {
                follower.cancel()
                _ = await follower.result
            }
            try drain(run, context: context, printer: printer)
            switch outcome {
            case .completed(let done):
                report(done)
                return RunExitCode.completed
            case .failed(let failed):
                report(failed)
                return RunExitCode.failed
            case .cancelled(let cancelled):
                report(cancelled)
                return RunExitCode.cancelled
            case .interrupted(let interrupted):
                report(interrupted)
                return RunExitCode.interrupted
            case .busy:
                let ended = try RunStore(database: context.database).get(caller: context.caller, id: run.id)
                report(ended)
                return code(for: ended.status)
            case .paused(let paused, let approvals):
                guard interactive else {
                    for approval in approvals {
                        FileHandle.standardError.write(Data("""
                            agentbridge: approval \(approval.id) waits for a decision on \(approval.toolName) \(JSONWriter.string(approval.arguments, sortKeys: true))
                              decide: agentbridge approvals decide \(approval.id) --approve [--arguments JSON] | --reject
                              then:   agentbridge run --resume \(paused.id)

                            """.utf8))
                    }
                    report(paused)
                    return RunExitCode.paused
                }
                for approval in approvals { try ask(approval, runtime: runtime, caller: context.caller) }
            }
        }
    }

    /// Prints the run's events the follower had not printed yet.
    static func drain(_ run: Run, context: PlatformContext, printer: RunPrinter) throws {
        let log = EventLog(database: context.database)
        while true {
            let page = try log.read(caller: context.caller, runID: run.id, after: printer.lastSeq, limit: EventLog.maxReadLimit)
            for event in page { printer.print(event) }
            if page.count < EventLog.maxReadLimit { return }
        }
    }

    /// Asks the person at the terminal to approve, edit or reject one call.
    static func ask(_ approval: Approval, runtime: AgentRuntime, caller: Caller) throws {
        let tool = [approval.serverID, approval.toolName].compactMap { $0 }.joined(separator: "/")
        while true {
            prompt("Allow \(tool) with \(JSONWriter.string(approval.arguments, sortKeys: true))? [y]es, [n]o, [e]dit arguments: ")
            guard let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() else {
                throw PlatformError.conflict("stdin closed before approval \(approval.id) was decided")
            }
            switch answer {
            case "y", "yes":
                try runtime.decide(caller: caller, approvalID: approval.id, approve: true)
                return
            case "n", "no":
                prompt("Reason (optional): ")
                let reason = readLine()?.trimmingCharacters(in: .whitespaces)
                try runtime.decide(caller: caller, approvalID: approval.id, approve: false, reason: reason?.isEmpty == false ? reason : nil)
                return
            case "e", "edit":
                prompt("Arguments (a JSON object): ")
                guard let text = readLine(), let edited = try? JSONParser.parse(text), edited.objectValue != nil else {
                    prompt("That is not a JSON object.\n")
                    continue
                }
                try runtime.decide(caller: caller, approvalID: approval.id, approve: true, arguments: edited)
                return
            default:
                continue
            }
        }
    }

    static func prompt(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func report(_ run: Run) {
        var line = "agentbridge: run \(run.id) \(run.status.rawValue) (steps \(run.steps), tokens \(run.tokensIn) in / \(run.tokensOut) out)"
        if let error = run.error, run.status == .failed || run.status == .cancelled { line += ": \(error)" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func code(for status: RunStatus) -> Int32 {
        switch status {
        case .completed: RunExitCode.completed
        case .failed: RunExitCode.failed
        case .cancelled: RunExitCode.cancelled
        case .paused: RunExitCode.paused
        case .queued, .running: RunExitCode.interrupted
        }
    }

    /// Ctrl-C (or SIGTERM) cancels the run: its model stream and tool call in flight stop.
    static func cancelOnInterrupt(runtime: AgentRuntime, caller: Caller, runID: String) {
        var sources: [DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: DispatchQueue(label: "run-signals"))
            let once = OnceFlag()
            source.setEventHandler {
                guard once.claim() else { exit(130) }
                _ = try? runtime.cancel(caller: caller, runID: runID, reason: "interrupted from the terminal")
            }
            source.resume()
            sources.append(source)
        }
        SignalSources.keep(sources)
    }
}
