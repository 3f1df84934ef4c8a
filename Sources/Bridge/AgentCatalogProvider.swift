// AgentCatalogProvider: one agent's governed view of its upstreams, plugged into an MCPServer as its
// `CatalogProvider` (`agentbridge stdio --agent A`, `/mcp/agents/A`). Prompts and resources: see
// `AgentCatalogProvider+Prompts.swift`.
//
// Listing asks every bound upstream in parallel, each under its own deadline, and returns what
// answered (an upstream that is down or slow is logged and left out — it never blocks the
// others). Only tools the binding's allow-list permits are listed, under their exposed names
// (`server__tool` or the alias). A call resolves the name with the upstream's catalog, and a tool
// that is not allowed — listed or guessed — is "unknown tool" (−32602), exactly like a name that
// exists nowhere. A call of a `request_confirmation` tool waits for an approval record, decided
// in the caller's client or on any surface that decides approvals (`CallConfirmation`); the
// approved arguments are the ones sent. Calls run under the tool's timeout, else the binding's,
// else the server's; a binding without `allowed_tools` uses the server's `default_allowed_tools`
// (`enforced(_:)` fills both in).
// The caller's own credentials never reach an upstream: a stdio child sees only its configured
// environment.

import Foundation
import JSON
import JSONRPC
import MCP
import MCPClient
import MCPServer
import Platform
import Storage
import Synchronization

/// The governed tools, prompts and resources of one agent.
public final class AgentCatalogProvider: CatalogProvider {
    private let database: Database
    private let caller: Caller
    let agentID: String
    private let registry: UpstreamRegistry
    let log: @Sendable (String) -> Void
    private let toolsChanged: (@Sendable () -> Void)?
    private let watched = Mutex<Set<UpstreamKey>>([])
    private let confirmation: CallConfirmation
    /// The platform session this provider calls tools for (a run's session), which selects the
    /// process of `per_session` servers; nil where there is no platform session (a gateway
    /// process is its own session).
    let sessionID: String?

    /// - Parameters:
    ///   - caller: whose view this is (authorization of the agent and servers goes through it).
    ///   - log: where upstream failures are reported (stderr for stdio); never given secrets.
    ///   - toolsChanged: called when an upstream's tool list changed (the gateway announces
    ///     `tools/list_changed` to its own clients); nil registers nothing on the shared
    ///     connections (the runtime makes a provider per run, which must not pile handlers up).
    ///   - sessionID: the platform session whose `per_session` upstream processes to use.
    ///   - approvalTimeout: how long a `request_confirmation` call waits for its approval.
    public init(database: Database, caller: Caller, agentID: String, registry: UpstreamRegistry, sessionID: String? = nil,
                approvalTimeout: Duration = .seconds(3600), clock: WallClock = .system,
                log: @escaping @Sendable (String) -> Void, toolsChanged: (@Sendable () -> Void)? = nil) {
        self.sessionID = sessionID
        self.confirmation = CallConfirmation(
            store: ApprovalStore(database: database, clock: clock), clock: clock, caller: caller, agentID: agentID,
            timeout: approvalTimeout, pollInterval: .milliseconds(200))
        self.toolsChanged = toolsChanged
        self.database = database
        self.caller = caller
        self.agentID = agentID
        self.registry = registry
        self.log = log
    }

    /// What one request needs from the database, kept for `configurationTTL`: reading and
    /// parsing the agent and its servers on every call would cost more than the hop itself.
    private struct Snapshot {
        var agent: Agent
        var connections: [String: any Upstream] = [:]
        /// Servers of `per_session` bindings: their connection is asked of the registry on every
        /// use (it may have been stopped as idle), without reading the server again.
        var sessionServers: [String: UpstreamServer] = [:]
        var takenAt: ContinuousClock.Instant
    }

    /// How long a read configuration is reused; a changed agent or server applies after this.
    public static let configurationTTL: Duration = .seconds(1)
    private let snapshot = Mutex<Snapshot?>(nil)

    /// The agent as stored (re-read at most every `configurationTTL`); throws not-found when it
    /// does not exist for this provider's caller.
    public func agent() throws -> Agent {
        if let cached = snapshot.withLock({ $0 }), ContinuousClock.now - cached.takenAt < Self.configurationTTL {
            return cached.agent
        }
        let agent = try AgentStore(database: database).get(caller: caller, id: agentID)
        snapshot.withLock { $0 = Snapshot(agent: agent, takenAt: .now) }
        return agent
    }

    /// Server specs read for `enforced(_:)`, by id, each reused for `configurationTTL` like the
    /// agent (nil: not found for this caller).
    private let serverSpecs = Mutex<[String: (spec: UpstreamServerSpec?, takenAt: ContinuousClock.Instant)]>([:])

    /// `spec` as it is enforced: each binding with what it leaves out (`allowed_tools`,
    /// `timeout_s`) taken from its server. Every path in here — listing, calling, the relay,
    /// prompts and resources, and the runtime's pinned version — goes through this, so an
    /// inherited allow-list or timeout applies everywhere alike.
    public func enforced(_ spec: AgentSpec) -> AgentSpec {
        spec.inheritingServerDefaults { id in
            if let cached = serverSpecs.withLock({ $0[id] }), ContinuousClock.now - cached.takenAt < Self.configurationTTL {
                return cached.spec
            }
            let read = try? UpstreamServerStore(database: database).get(caller: caller, id: id).spec
            serverSpecs.withLock { $0[id] = (read, .now) }
            return read
        }
    }

    /// The enforced spec of the agent's current version.
    func currentSpec() throws -> AgentSpec { enforced(try agent().spec) }

    func connection(for binding: BindingSpec) throws -> any Upstream {
        let (cached, sessionServer) = snapshot.withLock { ($0?.connections[binding.server], $0?.sessionServers[binding.server]) }
        if let cached { return cached }
        if let sessionServer {
            return try registry.upstream(for: sessionServer, binding: binding, agentID: agentID, sessionID: sessionID)
        }
        let server = try UpstreamServerStore(database: database).get(caller: caller, id: binding.server)
        guard server.enabled else { throw UpstreamError.unavailable(server: server.id, reason: "disabled") }
        let connection = try registry.upstream(for: server, binding: binding, agentID: agentID, sessionID: sessionID)
        snapshot.withLock { snapshot in
            if UpstreamRegistry.isSessionScoped(connection.key) {
                snapshot?.sessionServers[binding.server] = server
            } else {
                snapshot?.connections[binding.server] = connection
            }
        }
        if let changed = toolsChanged, watched.withLock({ $0.insert(connection.key).inserted }) {
            connection.onToolsChanged { changed() }
        }
        return connection
    }

    /// The `_meta` key listing upstreams left out of a tools listing, with the reason.
    public static let unavailableKey = "io.agentbridge/unavailableUpstreams"

    /// Starts the agent's upstreams now instead of at the first listing: stdio children spawn
    /// (and list their tools as they come up), http ones connect and list. A gateway process that
    /// exists to serve this one agent (`stdio --agent`) overlaps their cold start with its
    /// client's handshake, so the first `tools/list` rarely waits. Failures are not reported
    /// here: the listing that meets them reports them, as it would have anyway.
    public func startUpstreams() {
        guard let spec = try? agent().spec else { return }
        for binding in enforced(spec).bindings {
            // Getting a stdio connection starts its child; nothing more to do (a task here could
            // outlive a shutdown and ask a stopped connection to start again).
            guard let connection = try? connection(for: binding), !(connection is UpstreamConnection) else { continue }
            Task { _ = try? await connection.tools(timeout: .seconds(binding.timeoutSeconds)) }
        }
    }

    public func listTools(_ context: RequestContext) async throws -> CatalogListing {
        await governedTools(of: try agent().spec)
    }

    /// The tools `spec`'s bindings allow (with their servers' defaults), under their exposed
    /// names — for the gateway the agent's current version, for the runtime the version a
    /// session pinned.
    public func governedTools(of spec: AgentSpec) async -> CatalogListing {
        await gather("tools", bindings: enforced(spec).bindings) { binding, connection, limit in
            // Bounded by `limit` already (waiting for the connection, and the list request's own
            // timeout); a cached catalog costs no I/O and no timer.
            try await connection.tools(timeout: limit).filter { binding.allows(tool: $0.name) }.map { Self.exposed($0, binding: binding) }
        }
    }

    /// Asks every binding that `includes` in parallel, each under its own timeout, and returns
    /// what answered in binding order; an upstream that failed is logged and named in the
    /// listing's `_meta` with the reason, so a partial list says that it is partial.
    func gather(_ what: String, bindings: [BindingSpec],
                _ list: @escaping @Sendable (BindingSpec, any Upstream, Duration) async throws -> [JSONValue]) async -> CatalogListing {
        let perBinding = await withTaskGroup(of: (Int, [JSONValue], String?).self) { group in
            for (index, binding) in bindings.enumerated() {
                group.addTask {
                    var secrets: UpstreamSecrets?
                    do {
                        let connection = try self.connection(for: binding)
                        secrets = connection.secrets
                        let listed = try await list(binding, connection, .seconds(binding.timeoutSeconds))
                        return (index, listed.map(connection.secrets.redact), nil)
                    } catch {
                        let reason = secrets?.redact("\(error)") ?? "\(error)"
                        self.log("agentbridge: agent \(self.agentID): listing \(what) of upstream \(binding.server) failed: \(reason)")
                        return (index, [], reason)
                    }
                }
            }
            var results: [(Int, [JSONValue], String?)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }
        }
        let unavailable: [JSONValue] = perBinding.compactMap { index, _, failure in
            failure.map { ["server": .string(bindings[index].server), "reason": .string($0)] }
        }
        return CatalogListing(perBinding.flatMap(\.1), meta: unavailable.isEmpty ? [:] : [Self.unavailableKey: .array(unavailable)])
    }

    /// The upstream definition under its exposed name (everything else passed through unchanged).
    static func exposed(_ tool: MCPToolDefinition, binding: BindingSpec) -> JSONValue {
        guard case .object(var object) = tool.json else { return tool.json }
        object["name"] = .string(ToolNaming.exposedName(server: binding.server, tool: tool.name, alias: binding.alias(for: tool.name)))
        return .object(object)
    }

    public func callTool(name: String, arguments: JSONObject, context: RequestContext) async throws -> JSONValue? {
        guard let route = await allowedRoute(name, in: try agent().spec) else { return nil }
        guard route.runBehavior.value == .requestConfirmation else {
            return try await call(route, arguments: arguments, context: context)
        }
        switch try await confirmation.confirm(route, arguments: arguments, context: context) {
        case .refused(let result):
            return result
        case .approved(let approved, let approval):
            return CallConfirmation.annotate(try await call(route, arguments: approved, context: context), approval: approval, sent: approved)
        }
    }

    /// Calls `route` for a caller, forwarding what the upstream asks meanwhile as far as the
    /// caller can answer it.
    private func call(_ route: ToolRoute, arguments: JSONObject, context: RequestContext) async throws -> JSONValue {
        let progress: @Sendable (MCPProgress) -> Void = { progress in
            context.progress(progress.progress, total: progress.total, message: progress.message)
        }
        if context.canAskDirectly {
            // Handshake-era caller: the upstream's questions become our own requests to it.
            let sink: InputRouter.Sink = { request in
                do {
                    return try await context.ask(InputRequest(method: request.method, params: request.params))
                } catch is MissingClientCapability {
                    return nil
                }
            }
            return try await execute(route, arguments: arguments, progress: progress, input: sink, callerCapabilities: context.clientCapabilities)
        }
        let refuses = context.version.isModern
        guard Self.canAnswerInput(context.clientCapabilities) else {
            // Nothing to forward to: the upstream's questions get their default answers.
            return try await execute(route, arguments: arguments, progress: progress, refusesMissingCapability: refuses)
        }
        // 2026 caller: a question parks the running call until the caller retries with the
        // answer (or the first run is the only one, when the upstream asks nothing).
        let expired = ToolResult.error("\(route.exposedName): the upstream call that was waiting for this answer is gone (it waited longer than \(registry.parkedCalls.ttl) or the gateway restarted); call the tool again").json
        return try await registry.parkedCalls.run(context: context, expired: expired) { sink in
            try await self.execute(route, arguments: arguments, progress: progress, input: sink, callerCapabilities: context.clientCapabilities,
                                   refusesMissingCapability: refuses)
        }
    }

    /// The route of exposed tool `name` in `spec`, or nil when no binding has it or its
    /// allow-list refuses it (callers treat both as an unknown tool). Generated names whose tool
    /// part was rewritten are matched against the upstream's (cached, else fetched) catalog.
    public func allowedRoute(_ name: String, in spec: AgentSpec) async -> ToolRoute? {
        let spec = enforced(spec)
        var catalogs: [String: [String]] = [:]
        if let server = ToolNaming.serverPart(of: name), let binding = spec.binding(for: server),
           let connection = try? connection(for: binding) {
            catalogs[server] = connection.cachedToolNames
            if catalogs[server] == nil {
                catalogs[server] = try? await connection.tools(timeout: .seconds(binding.timeoutSeconds)).map(\.name)
            }
        }
        guard let route = spec.route(exposedName: name, catalog: { catalogs[$0] }), route.isAllowed else { return nil }
        return route
    }

    /// For `ToolCallRelay`: the route of exposed tool `name` and its upstream, when a call may
    /// bypass the engine — allowed, not `request_confirmation`, and a shared or per-agent stdio
    /// upstream (per-session ones are reaped when idle, which counts calls made here). Nil sends
    /// the call the normal way, which also gives every refusal its precise answer.
    func relayTarget(_ name: String) -> (route: ToolRoute, connection: UpstreamConnection)? {
        guard let spec = try? currentSpec() else { return nil }
        let route = spec.route(exposedName: name) { server in
            spec.binding(for: server).flatMap { try? self.connection(for: $0) }.flatMap { ($0 as? UpstreamConnection)?.cachedToolNames }
        }
        guard let route, route.isAllowed, route.runBehavior.value != .requestConfirmation,
              let connection = try? connection(for: route.binding) as? UpstreamConnection,
              !UpstreamRegistry.isSessionScoped(connection.key) else { return nil }
        return (route, connection)
    }

    /// Calls `route`'s upstream tool with `arguments` under the route's timeout (an idle
    /// deadline that `progress` reports reset), sending what the upstream asks meanwhile to
    /// `input` (which answers what `callerCapabilities` declares; see `Upstream.callTool`).
    /// Returns the CallToolResult JSON; upstream failures (invalid arguments, timeouts,
    /// a dead server) come back as `isError` results the model can read. Cancelling the calling
    /// task cancels the upstream call. The gateway and the agent runtime both call tools here.
    ///
    /// `refusesMissingCapability`: a 2026 upstream's −32021 (the call needs a client capability
    /// that was not declared, because our caller did not declare it) is thrown as our own −32021
    /// for a 2026 caller, who can declare it and call again; otherwise it is a tool error.
    public func execute(_ route: ToolRoute, arguments: JSONObject, progress: (@Sendable (MCPProgress) -> Void)? = nil,
                        input: InputRouter.Sink? = nil, callerCapabilities: JSONObject = [:],
                        refusesMissingCapability: Bool = false) async throws -> JSONValue {
        let timeout = Duration.seconds(route.timeoutSeconds.value)
        var secrets: UpstreamSecrets?
        var upstream: (any Upstream)?
        do {
            let connection = try connection(for: route.binding)
            upstream = connection
            let redacted = connection.secrets
            secrets = redacted
            // What the upstream reports meanwhile is its text too.
            let reported = progress.map { report in { @Sendable (update: MCPProgress) in
                var update = update
                update.message = update.message.map(redacted.redact)
                report(update)
            } }
            // And so is what it asks our caller (an elicitation's message, a sampling prompt).
            let asked = input.map { ask in { @Sendable (request: MCPInputRequest) async throws -> JSONValue? in
                var request = request
                request.params = redacted.redact(.object(request.params)).objectValue ?? request.params
                return try await ask(request)
            } }
            return redacted.redact(try await registry.using(connection.key) {
                try await connection.callTool(route.upstreamTool, arguments: arguments, timeout: timeout, progress: reported, input: asked,
                                              callerCapabilities: input == nil ? [:] : callerCapabilities).json
            })
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if refusesMissingCapability, upstream?.era == .modern,
               let refusal = Self.missingCapability(route.exposedName, error, callerCapabilities: callerCapabilities, secrets: secrets) {
                throw refusal
            }
            return Self.failedCall(route.exposedName, error, secrets: secrets)
        }
    }

    /// Our −32021 for a 2026 upstream's −32021 (the caller checks the upstream's era: before
    /// 2026 the code is the server's own): the capabilities it names (`data.requiredCapabilities`)
    /// and its message, under the tool's exposed name — when declaring them would help, that is
    /// when the gateway can forward each of them (`MCPClient.inputCapabilities`) and the caller,
    /// with `callerCapabilities`, has not declared them all. Nil otherwise: the caller gets a
    /// tool error rather than a refusal that no retry can satisfy. The gateway and the relay
    /// both answer through here.
    static func missingCapability(_ exposedName: String, _ error: any Error, callerCapabilities: JSONObject,
                                  secrets: UpstreamSecrets? = nil) -> JSONRPCError? {
        guard case .server(let code, let message, let data)? = error as? MCPClientError,
              code == JSONRPCErrorCode.missingRequiredClientCapability.rawValue,
              case .object(let required)? = data?["requiredCapabilities"], !required.isEmpty,
              required.allSatisfy({ Self.covers(MCPClient.inputCapabilities, $0.key, $0.value) }),
              !required.allSatisfy({ Self.covers(callerCapabilities, $0.key, $0.value) }) else { return nil }
        let shown = secrets?.redact(.object(required)) ?? .object(required)
        return MCPError.missingCapability(shown, "\(exposedName): \(secrets?.redact(message) ?? message)")
    }

    /// Whether `capabilities` declares `key` with at least the members `wanted` names (an
    /// object's keys: `{"elicitation":{"url":{}}}` asks for URL elicitation, not just any).
    private static func covers(_ capabilities: JSONObject, _ key: String, _ wanted: JSONValue) -> Bool {
        guard let declared = capabilities[key] else { return false }
        guard case .object(let members) = wanted else { return true }
        let offered = declared.objectValue ?? [:]
        return members.allSatisfy { offered[$0.key] != nil }
    }

    /// The tool result that reports a failed upstream call to the model (the gateway and the
    /// relay answer every failure through here, so both say the same thing).
    /// An upstream's error message is its own text: `secrets` are redacted from it.
    static func failedCall(_ exposedName: String, _ error: any Error, secrets: UpstreamSecrets? = nil) -> JSONValue {
        let redact = { (text: String) in secrets?.redact(text) ?? text }
        if case .server(let code, let message, _)? = error as? MCPClientError, code == -32602 {
            // Invalid arguments (or a tool the upstream no longer has): the model can correct it.
            return ToolResult.error(redact("\(exposedName): \(message)")).json
        }
        return ToolResult.error(redact("\(exposedName) failed: \(error)")).json
    }

    /// Whether a client with `capabilities` can answer any upstream question.
    static func canAnswerInput(_ capabilities: JSONObject) -> Bool {
        capabilities["elicitation"] != nil || capabilities["sampling"] != nil || capabilities["roots"] != nil
    }
}
