// PlatformCatalog: the platform itself over MCP — agents, sessions, runs, approvals and upstream
// servers as tools, resources and prompts — plugged into an `MCPServer` as its
// `CatalogProvider` on `/mcp` and `agentbridge stdio`.
//
// Everything is computed per request for the caller's key: `tools/list` shows only the tools
// whose action the key's scopes allow, and a call to any other name — hidden or non-existent —
// is the same "unknown tool" (no existence leak). Objects outside the key's workspace or agent
// restriction are "not found", as the stores decide. Arguments are checked against each tool's
// input schema before the handler runs; platform failures (not found, invalid, conflict) are tool
// errors the model or the person can act on. Every call is audited — actor, tool, target,
// outcome — without its arguments, which may hold anything.

import Bridge
import Foundation
import JSON
import MCP
import MCPServer
import Platform
import Runtime
import Storage
import Synchronization

/// The platform's MCP surface for one server.
public final class PlatformCatalog: CatalogProvider {
    let database: Database
    let principals: PrincipalDirectory
    let registry: UpstreamRegistry?
    let runtime: AgentRuntime?
    let origin: Origin
    /// Tells the server's clients that lists or resources changed.
    let changed: @Sendable ([ServerEvent]) -> Void
    private let watcher = Mutex<AgentChangeWatcher?>(nil)
    let tools: [String: PlatformTool]
    /// Tool names in listing order.
    let order: [String]

    /// - Parameters:
    ///   - origin: recorded in audit records (`http` or `stdio`).
    ///   - registry: reaches upstream servers for `list_upstream_tools` (nil: that tool fails).
    ///   - runtime: runs agents (nil: no `run_agent`, `cancel_run` or `ask_` tools).
    ///   - changed: publishes list changes and resource updates to the server's clients.
    public init(database: Database, principals: PrincipalDirectory, registry: UpstreamRegistry?, runtime: AgentRuntime? = nil,
                origin: Origin, changed: @escaping @Sendable ([ServerEvent]) -> Void = { _ in }) {
        self.database = database
        self.principals = principals
        self.registry = registry
        self.runtime = runtime
        self.origin = origin
        self.changed = changed
        let touched: @Sendable (Run) -> Void = { run in
            changed(Self.runEvents(runID: run.id, sessionID: run.sessionID))
        }
        let agentsChanged: @Sendable () -> Void = { changed([.toolsChanged, .promptsChanged, .resourcesChanged]) }
        let all = Self.agentTools(database, changed: agentsChanged) + Self.agentRunTools(database, runtime, touched: touched, changed: changed)
            + Self.runTools(database) + Self.upstreamTools(database, registry)
        self.tools = Dictionary(all.map { ($0.definition.name, $0) }, uniquingKeysWith: { first, _ in
            preconditionFailure("duplicate platform tool \(first.definition.name)")
        })
        self.order = all.map(\.definition.name)
    }

    /// Announces that run `runID` (of `sessionID`) changed: `resources/updated` for its run and
    /// session resources, for the clients subscribed to them.
    public func runChanged(runID: String, sessionID: String) {
        changed(Self.runEvents(runID: runID, sessionID: sessionID))
    }

    /// The `resources/updated` events for a change of run `runID` (its run and session resources).
    static func runEvents(runID: String, sessionID: String) -> [ServerEvent] {
        [.resourceUpdated(scheme + "runs/" + runID), .resourceUpdated(scheme + "sessions/" + sessionID)]
    }

    /// Starts announcing agent changes made by other processes (checked every `interval`).
    public func watchAgentChanges(every interval: Duration = .seconds(2)) {
        let watcher = AgentChangeWatcher(database: database, interval: interval, changed: changed)
        self.watcher.withLock { $0?.stop(); $0 = watcher }
    }

    /// Stops watching for agent changes.
    public func stopWatching() {
        watcher.withLock { $0?.stop(); $0 = nil }
    }

    /// The caller a request acts as, or nil when nobody vouched for its principal.
    func caller(_ context: RequestContext) -> Caller? {
        principals.principal(for: context).map { Caller(principal: $0, origin: origin) }
    }

    /// `caller` for reading runs it may start: a key that may run agents (`runs:write`) may also
    /// follow those runs (their events, status and result), within the same workspace and agent
    /// restriction, even without `runs:read`.
    static func runReader(_ caller: Caller) -> Caller {
        let principal = caller.principal
        guard principal.has(.runsWrite), !principal.has(.runsRead) else { return caller }
        return Caller(
            principal: Principal(workspaceID: principal.workspaceID, keyID: principal.keyID, scopes: principal.scopes.union([.runsRead]),
                                 agentIDs: principal.agentIDs, rateLimitPerMinute: principal.rateLimitPerMinute),
            origin: caller.origin)
    }

    /// Whether `caller` may see and call `tool`.
    static func allows(_ caller: Caller, _ tool: PlatformTool) -> Bool {
        if case .allow = Policy.authorize(caller.principal, action: tool.action, object: nil) { return true }
        return false
    }

    // MARK: - Tools

    public func listTools(_ context: RequestContext) async throws -> CatalogListing {
        guard let caller = caller(context) else { return CatalogListing([]) }
        // (Filter, then map: `cond ? json : nil` would make a JSON null, not a skipped entry.)
        let fixed = order.map { tools[$0]! }.filter { Self.allows(caller, $0) }.map(\.definition.json)
        return CatalogListing(fixed + (try exposedAgents(caller)).map { Self.askTool(for: $0).json })
    }

    /// The `ask_` tool named `name`, as a platform tool for `caller`, or nil.
    func askTool(_ name: String, caller: Caller) throws -> PlatformTool? {
        guard name.hasPrefix("ask_"), let runtime, let agent = try exposedAgents(caller).first(where: { Self.askToolName($0.id) == name })
        else { return nil }
        let database = self.database
        let changed = self.changed
        let starter: @Sendable (PlatformCall) async throws -> JSONValue = { call in
            try Self.startTask(call, agentID: agent.id, runtime: runtime, database: database, changed: changed)
        }
        return PlatformTool(Self.askTool(for: agent), action: .writeRuns, taskStarter: starter) { call in
            try await Self.startRun(call, agentID: agent.id, runtime: runtime, database: database) { run in
                changed(Self.runEvents(runID: run.id, sessionID: run.sessionID))
            }
        }
    }

    public func callTool(name: String, arguments: JSONObject, context: RequestContext) async throws -> JSONValue? {
        guard let caller = caller(context) else { return nil }
        guard let tool = try tools[name].flatMap({ Self.allows(caller, $0) ? $0 : nil }) ?? askTool(name, caller: caller) else { return nil }
        let problems = SchemaValidator.validate(.object(arguments), against: tool.definition.inputSchema)
        if !problems.isEmpty {
            audit(caller, tool: name, target: nil, outcome: .failed)
            return ToolResult.error("Invalid arguments for tool \(name): " + problems.joined(separator: "; ")).json
        }
        let call = PlatformCall(caller: caller, arguments: arguments, context: context)
        do {
            // A retried request (it carries state) continues as it began: not as a task.
            if let starter = tool.taskStarter, TasksExtension.isDeclared(in: context.clientCapabilities), context.state == nil {
                let task = try await starter(call)
                audit(caller, tool: name, target: task["taskId"]?.stringValue, outcome: .ok)
                return task
            }
            let result = try await tool.handler(call)
            audit(caller, tool: name, target: Self.target(of: arguments), outcome: result.isError ? .failed : .ok)
            return result.json
        } catch let error as PlatformError {
            audit(caller, tool: name, target: Self.target(of: arguments), outcome: error.isDenial ? .denied : .failed)
            return ToolResult(content: [.text("\(name): \(error)")], structuredContent: ["error": error.wireJSON], isError: true).json
        }
    }

    /// The object a call is about, for the audit record: its `id` (or run/agent/server id).
    static func target(of arguments: JSONObject) -> String? {
        for key in ["id", "run_id", "agent_id", "server_id", "session_id"] {
            if let value = arguments[key]?.stringValue { return value }
        }
        return nil
    }

    func audit(_ caller: Caller, tool: String, target: String?, outcome: AuditOutcome) {
        // Best effort: a failed audit write must not turn a finished call into an error; the
        // stores audit every mutation inside its own transaction in any case.
        _ = try? AuditLog(database: database).record(AuditEntry(action: "mcp.tools/call:\(tool)", targetID: target, outcome: outcome), caller: caller)
    }
}

extension PlatformError {
    /// Whether this is a refusal (the caller may not), rather than a failure.
    var isDenial: Bool {
        if case .forbidden = self { return true }
        return false
    }

    /// The machine-readable form in a tool error's `structuredContent`.
    var wireJSON: JSONValue {
        switch self {
        case .invalid(let issues):
            return ["code": "invalid", "message": .string(description),
                    "issues": .array(issues.map { ["path": .string($0.path), "reason": .string($0.reason)] })]
        case .forbidden(let scope):
            return ["code": "forbidden", "message": .string(description), "scope": .string(scope.rawValue)]
        case .notFound(let kind, let id):
            return ["code": "not_found", "message": .string(description), "kind": .string(kind.rawValue), "id": .string(id)]
        case .conflict:
            return ["code": "conflict", "message": .string(description)]
        }
    }
}
