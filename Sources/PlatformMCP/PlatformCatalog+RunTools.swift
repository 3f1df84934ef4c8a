// The session, run and approval tools: read sessions and runs (with their events, resumable
// after event N), and decide approvals — approve (optionally with edited arguments, which are
// then exactly what runs) or reject with a reason.

import JSON
import MCP
import Platform
import Storage

extension PlatformCatalog {
    static func runTools(_ database: Database) -> [PlatformTool] {
        let withEvents: [(String, JSONValue)] = [
            ("include_events", Schema.boolean("Include the events (default true).")),
            ("after", Schema.integer("Only events after this sequence number (to resume following).", 0...Int64.max)),
            ("event_limit", Schema.integer("Most events to return (default 100).", 1...1000)),
        ]
        return [
            PlatformTool(Tool(
                name: "get_session", title: "Get a session",
                description: "Returns a session (its agent, version, user reference, status) and its transcript events.",
                inputSchema: Schema.object([("id", Schema.id("The session id."))] + withEvents, required: ["id"]),
                outputSchema: Schema.anyObject,
                annotations: ToolAnnotations(title: "Get a session", readOnlyHint: true, openWorldHint: false)),
                action: .readSessions
            ) { call in
                let session = try SessionStore(database: database).get(caller: call.caller, id: call.string("id")!)
                var object = session.json.objectValue ?? [:]
                if call.bool("include_events") ?? true {
                    let events = try EventLog(database: database).read(
                        caller: call.caller, sessionID: session.id, after: Int64(call.int("after") ?? 0), limit: call.int("event_limit") ?? 100)
                    object["events"] = .array(events.map(\.json))
                }
                return .structured(.object(object))
            },
            PlatformTool(Tool(
                name: "list_sessions", title: "List sessions",
                description: "Lists sessions, newest first, optionally of one agent or one user reference.",
                inputSchema: Schema.object([
                    ("agent_id", Schema.id("Only sessions of this agent.")),
                    ("user_reference", Schema.string("Only sessions of this end user.")),
                    ("limit", Schema.limit), ("cursor", Schema.cursor),
                ]),
                outputSchema: Schema.page("sessions"),
                annotations: ToolAnnotations(title: "List sessions", readOnlyHint: true, openWorldHint: false)),
                action: .readSessions
            ) { call in
                let limit = call.limit
                let sessions = try SessionStore(database: database).list(
                    caller: call.caller, agentID: call.string("agent_id"), userReference: call.string("user_reference"),
                    limit: limit, after: call.string("cursor"))
                return .structured(Self.page("sessions", sessions.map(\.json), next: sessions.count == limit ? sessions.last?.id : nil))
            },
            PlatformTool(Tool(
                name: "get_run", title: "Get a run",
                description: "Returns a run (status, input, output or error, steps, token usage) and its events.",
                inputSchema: Schema.object([("id", Schema.id("The run id."))] + withEvents, required: ["id"]),
                outputSchema: Schema.anyObject,
                annotations: ToolAnnotations(title: "Get a run", readOnlyHint: true, openWorldHint: false)),
                action: .readRuns
            ) { call in
                let run = try RunStore(database: database).get(caller: call.caller, id: call.string("id")!)
                var object = run.json.objectValue ?? [:]
                if call.bool("include_events") ?? true {
                    let events = try EventLog(database: database).read(
                        caller: call.caller, runID: run.id, after: Int64(call.int("after") ?? 0), limit: call.int("event_limit") ?? 100)
                    object["events"] = .array(events.map(\.json))
                }
                return .structured(.object(object))
            },
            PlatformTool(Tool(
                name: "list_runs", title: "List runs",
                description: "Lists runs, newest first, optionally of one session, one agent or in one status.",
                inputSchema: Schema.object([
                    ("session_id", Schema.id("Only runs of this session.")),
                    ("agent_id", Schema.id("Only runs of this agent.")),
                    ("status", Schema.enumeration("Only runs in this status.", RunStatus.allCases.map(\.rawValue))),
                    ("limit", Schema.limit), ("cursor", Schema.cursor),
                ]),
                outputSchema: Schema.page("runs"),
                annotations: ToolAnnotations(title: "List runs", readOnlyHint: true, openWorldHint: false)),
                action: .readRuns
            ) { call in
                let limit = call.limit
                let runs = try RunStore(database: database).list(
                    caller: call.caller, sessionID: call.string("session_id"), agentID: call.string("agent_id"),
                    status: call.string("status").flatMap(RunStatus.init(rawValue:)), limit: limit, after: call.string("cursor"))
                return .structured(Self.page("runs", runs.map(\.json), next: runs.count == limit ? runs.last?.id : nil))
            },
            PlatformTool(Tool(
                name: "list_approvals", title: "List approvals",
                description: "Lists tool calls waiting for (or given) a human decision, newest first.",
                inputSchema: Schema.object([
                    ("status", Schema.enumeration("Only approvals in this status (e.g. pending).", ApprovalStatus.allCases.map(\.rawValue))),
                    ("run_id", Schema.id("Only approvals of this run.")),
                    ("limit", Schema.limit), ("cursor", Schema.cursor),
                ]),
                outputSchema: Schema.page("approvals"),
                annotations: ToolAnnotations(title: "List approvals", readOnlyHint: true, openWorldHint: false)),
                action: .readApprovals
            ) { call in
                let limit = call.limit
                let approvals = try ApprovalStore(database: database).list(
                    caller: call.caller, status: call.string("status").flatMap(ApprovalStatus.init(rawValue:)), runID: call.string("run_id"),
                    limit: limit, after: call.string("cursor"))
                return .structured(Self.page("approvals", approvals.map(\.json), next: approvals.count == limit ? approvals.last?.id : nil))
            },
            PlatformTool(Tool(
                name: "decide_approval", title: "Decide an approval",
                description: "Approves or rejects a pending tool call. An approval may replace the arguments: the edited arguments are exactly what the tool is then called with, and what is recorded.",
                inputSchema: Schema.object([
                    ("id", Schema.id("The approval id.")),
                    ("decision", Schema.enumeration("approve or reject.", ["approve", "reject"])),
                    ("arguments", Schema.freeObject("Edited arguments to run the tool with (approve only).")),
                    ("reason", Schema.string("Why (shown to the agent on rejection).", maxLength: 1024)),
                ], required: ["id", "decision"]),
                outputSchema: Schema.anyObject,
                annotations: ToolAnnotations(title: "Decide an approval", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false)),
                action: .decideApprovals
            ) { call in
                let approve = call.string("decision") == "approve"
                if !approve, call.arguments["arguments"] != nil {
                    throw PlatformError.invalid("$.arguments", "only an approval can carry edited arguments")
                }
                let decided = try ApprovalStore(database: database).decide(
                    caller: call.caller, id: call.string("id")!, approve: approve, arguments: call.arguments["arguments"], reason: call.string("reason"))
                return .structured(decided.json)
            },
        ]
    }

    /// A page of `key`, with the cursor for the next one (keyset: the last id) when the page was full.
    static func page(_ key: String, _ items: [JSONValue], next: String?) -> JSONValue {
        [key: .array(items), "next_cursor": next.map(JSONValue.string) ?? .null]
    }
}
