// The tools that start and stop runs: `run_agent` (any agent the key may use), `cancel_run`, and
// one `ask_<agent>` per agent whose visibility is `exposed` — the same run with the agent fixed,
// for clients that should see a few agents as plain tools. All need `runs:write`; `ask_` tools
// also obey the key's agent restriction, like everything else.

import Hashing
import JSON
import MCP
import MCPServer
import Platform
import Runtime
import Storage

extension PlatformCatalog {
    static let sessionFields: [(String, JSONValue)] = [
        ("session_id", Schema.id("Continue this session (its agent version and history).")),
        ("session_reference", Schema.string("Your own name for a conversation: runs with the same reference share a session.")),
        ("user_reference", Schema.string("The end user this run is for (a new session is created for them).")),
        ("variables", ["type": "object", "description": "Values of the agent's {{variables}}.", "additionalProperties": ["type": "string"]]),
        ("wait", Schema.boolean("Wait for the answer (default true); false returns the run at once, to follow with get_run.")),
    ]

    static let runOutput: JSONValue = Schema.object(
        [("run", Schema.anyObject), ("status", ["type": "string"]), ("approvals", ["type": "array", "items": ["type": "object"]])],
        required: ["run", "status"])

    static func agentRunTools(_ database: Database, _ runtime: AgentRuntime?, touched: @escaping @Sendable (Run) -> Void,
                              changed: @escaping @Sendable ([ServerEvent]) -> Void) -> [PlatformTool] {
        guard let runtime else { return [] }
        return [
            PlatformTool(Tool(
                name: "run_agent", title: "Run an agent",
                description: "Runs an agent on a message and returns its answer. Progress is reported while it works; approvals it needs are asked here when the client can (otherwise the run pauses and names them). The run continues if this request ends: find it with get_run.",
                inputSchema: Schema.object([
                    ("agent", Schema.id("The agent id.")), ("message", Schema.string("What to ask the agent.", maxLength: 100_000)),
                ] + sessionFields, required: ["agent", "message"]),
                outputSchema: runOutput,
                annotations: ToolAnnotations(title: "Run an agent", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true)),
                action: .writeRuns,
                taskStarter: { call in try Self.startTask(call, agentID: call.string("agent")!, runtime: runtime, database: database, changed: changed) }
            ) { call in
                try await Self.startRun(call, agentID: call.string("agent")!, runtime: runtime, database: database, touched: touched)
            },
            PlatformTool(Tool(
                name: "cancel_run", title: "Cancel a run",
                description: "Cancels a run: the model call and the tool call in flight are stopped, and the run ends as cancelled.",
                inputSchema: Schema.object([("id", Schema.id("The run id.")), ("reason", Schema.string("Why (recorded with the run).", maxLength: 1024))], required: ["id"]),
                outputSchema: Schema.anyObject,
                annotations: ToolAnnotations(title: "Cancel a run", readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false)),
                action: .writeRuns
            ) { call in
                let run = try runtime.cancel(caller: call.caller, runID: call.string("id")!, reason: call.string("reason"))
                touched(run)
                return .structured(run.json)
            },
        ]
    }

    /// The session choice and variables of a run tool call. Without a session, the run gets a
    /// session of its own for the calling key.
    static func runParameters(_ call: PlatformCall) -> (SessionChoice, [String: String]) {
        var variables: [String: String] = [:]
        for (key, value) in call.arguments["variables"]?.objectValue ?? [:] { variables[key] = value.stringValue }
        let session = SessionChoice(
            sessionID: call.string("session_id"), sessionReference: call.string("session_reference"),
            userReference: call.string("user_reference") ?? (call.string("session_id") == nil ? "mcp:\(call.caller.principal.actorID)" : nil))
        return (session, variables)
    }

    /// Starts (or, on a retry, resumes following) a run of `agentID` for `call`.
    static func startRun(_ call: PlatformCall, agentID: String, runtime: AgentRuntime, database: Database,
                         touched: @escaping @Sendable (Run) -> Void) async throws -> ToolResult {
        let (session, variables) = runParameters(call)
        let follower = RunFollower(runtime: runtime, database: database, caller: runReader(call.caller), context: call.context, touched: touched)
        if call.bool("wait") == false, call.context.state == nil {
            let run = try runtime.start(caller: call.caller, agentID: agentID, message: call.string("message")!, session: session,
                                        variables: variables, trigger: .mcp)
            try runtime.launch(caller: call.caller, runID: run.id)
            touched(run)
            return RunFollower.result(of: run)
        }
        return try await follower.run(agentID: agentID, message: call.string("message")!, session: session, variables: variables)
    }

    /// Starts a run of `agentID` as a task: launched in the background, watched for
    /// `notifications/tasks`, answered at once with its `CreateTaskResult`.
    static func startTask(_ call: PlatformCall, agentID: String, runtime: AgentRuntime, database: Database,
                          changed: @escaping @Sendable ([ServerEvent]) -> Void) throws -> JSONValue {
        let (session, variables) = runParameters(call)
        let run = try runtime.start(caller: call.caller, agentID: agentID, message: call.string("message")!, session: session,
                                    variables: variables, trigger: .mcp)
        try runtime.launch(caller: call.caller, runID: run.id)
        watch(run, runtime: runtime, database: database, caller: runReader(call.caller), changed: changed)
        return try createTaskResult(for: run, database: database)
    }

    // MARK: - ask_<agent>

    /// The `ask_` tool name of `agentID` (valid for the strictest clients; long ids are cut and
    /// made unique with a digest, like generated gateway names).
    static func askToolName(_ agentID: String) -> String {
        let plain = "ask_" + agentID
        if ToolNaming.isExposedName(plain) { return plain }
        let digest = Hex.encode(Array(SHA256.hash(Array(agentID.utf8)).prefix(4)))
        return String(plain.utf8.prefix(ToolNaming.maxLength - 9))! + "_" + digest
    }

    /// The `ask_` tool of an exposed agent.
    static func askTool(for agent: Agent) -> Tool {
        Tool(
            name: askToolName(agent.id), title: "Ask \(agent.spec.name)",
            description: agent.spec.description.map { "Ask agent \(agent.id): \($0)" } ?? "Ask agent \(agent.id).",
            inputSchema: Schema.object([("message", Schema.string("What to ask.", maxLength: 100_000))] + sessionFields, required: ["message"]),
            outputSchema: runOutput,
            annotations: ToolAnnotations(title: "Ask \(agent.spec.name)", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true))
    }

    /// The exposed agents `caller` may run: with `runs:write`, within its workspace and agent
    /// restriction (seeing them needs no `agents:read`: the tool is the agent's public face).
    func exposedAgents(_ caller: Caller) throws -> [Agent] {
        guard runtime != nil, case .allow = Policy.authorize(caller.principal, action: .writeRuns, object: nil) else { return [] }
        let reader = Caller(principal: .local(workspace: caller.workspaceID), origin: caller.origin)
        return try visibleAgents(reader).filter {
            $0.spec.visibility == .exposed && $0.archivedAt == nil && caller.principal.mayUse(agent: $0.id)
        }
    }
}
