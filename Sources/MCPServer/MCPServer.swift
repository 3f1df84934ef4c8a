import Foundation
import JSON
import JSONRPC
import MCP
import Synchronization

/// The dual-era MCP server engine: a catalog of tools, prompts and resources, and the logic that
/// answers requests from either era.
///
/// Transports call `handleModern` for self-describing 2026 requests and `handleLegacy` for
/// requests on a connection that completed (or is performing) the `initialize` handshake. Both
/// resolve the method through `MCPServer.methods` (the one table of what we answer), run it with
/// a `RequestContext`, and shape the result for the request's version with `ResultShaper`.
public final class MCPServer: Sendable {
    public struct Options: Sendable {
        /// Items per page of every list.
        public var pageSize: Int
        /// Cache hint of lists and `server/discover` (identical on every page).
        public var listCache: CacheHint
        /// Cache hint of `resources/read` results.
        public var readCache: CacheHint
        /// How long a sealed `requestState` stays valid.
        public var requestStateLifetime: Duration
        /// Legacy clients: how many input rounds (elicitation, sampling, roots) one request may take.
        public var maxInputRounds: Int
        /// How long a legacy server→client request may take before it is abandoned.
        public var clientRequestTimeout: Duration
        public var instructions: String?

        public init(pageSize: Int = 100, listCache: CacheHint = .uncached, readCache: CacheHint = .uncached,
                    requestStateLifetime: Duration = .seconds(600), maxInputRounds: Int = 8,
                    clientRequestTimeout: Duration = .seconds(300), instructions: String? = nil)
        {
            self.pageSize = max(1, pageSize)
            self.listCache = listCache
            self.readCache = readCache
            self.requestStateLifetime = requestStateLifetime
            self.maxInputRounds = maxInputRounds
            self.clientRequestTimeout = clientRequestTimeout
            self.instructions = instructions
        }
    }

    /// Sends a server→client request on a legacy connection and returns the client's result.
    public typealias ClientRequester = @Sendable (_ method: String, _ params: JSONValue) async throws(JSONRPCError) -> JSONValue

    public let info: Implementation
    /// `info` as JSON, built once: every 2026 result carries it.
    let infoJSON: JSONValue
    /// `infoJSON` already serialized, for the `_meta` of results: written verbatim on every 2026
    /// answer instead of escaping its strings again (readers of results in-process find
    /// `.encoded` there; everything on the wire is the same JSON).
    let infoMeta: JSONValue
    /// `[serverInfoKey: infoMeta]`: the whole `_meta` of most 2026 results, made once.
    let serverMeta: JSONObject
    public let options: Options
    let sealer: RequestStateSealer
    let registry = Mutex(Registry())
    let catalogProvider = Mutex<(any CatalogProvider)?>(nil)
    let taskProvider = Mutex<(any TaskProvider)?>(nil)
    private let observers = Mutex<(next: UInt64, all: [UInt64: @Sendable (ServerEvent) -> Void])>((0, [:]))
    private let listens = Mutex<(next: UInt64, waiting: [UInt64: CheckedContinuation<Void, Never>], closed: Bool)>((0, [:], false))

    public init(info: Implementation, options: Options = Options(), stateKey: [UInt8]? = nil) {
        self.info = info
        self.infoJSON = info.json
        self.infoMeta = .encoded(EncodedJSON(info.json))
        self.serverMeta = [ResultShaper.serverInfoKey: infoMeta]
        self.options = options
        if let stateKey {
            sealer = RequestStateSealer(key: stateKey, lifetime: options.requestStateLifetime)
        } else {
            sealer = RequestStateSealer(lifetime: options.requestStateLifetime)
        }
    }

    // MARK: catalog

    /// Adds computed tools to the registered ones (see `CatalogProvider`); nil removes them.
    public func setCatalogProvider(_ provider: (any CatalogProvider)?) {
        catalogProvider.withLock { $0 = provider }
    }

    /// Serves the Tasks extension through `provider` (see `TaskProvider`); nil removes it.
    public func setTaskProvider(_ provider: (any TaskProvider)?) {
        taskProvider.withLock { $0 = provider }
    }

    /// Adds or replaces a tool. Announces `tools/list_changed` when `announce` is true.
    public func addTool(_ tool: Tool, announce: Bool = false, handler: @escaping ToolHandler) {
        registry.withLock { $0.upsert(tool: tool, handler: handler) }
        if announce { publish(.toolsChanged) }
    }

    @discardableResult
    public func removeTool(_ name: String, announce: Bool = true) -> Bool {
        let removed = registry.withLock { $0.removeTool(name) }
        if removed && announce { publish(.toolsChanged) }
        return removed
    }

    public func addPrompt(_ prompt: Prompt, announce: Bool = false, completion: CompletionProvider? = nil, handler: @escaping PromptHandler) {
        registry.withLock {
            $0.upsert(prompt: prompt, handler: handler)
            $0.promptCompletions[prompt.name] = completion
        }
        if announce { publish(.promptsChanged) }
    }

    public func addResource(_ resource: Resource, announce: Bool = false, reader: @escaping ResourceReader) {
        registry.withLock { $0.upsert(resource: resource, reader: reader) }
        if announce { publish(.resourcesChanged) }
    }

    public func addResourceTemplate(_ template: ResourceTemplate, completion: CompletionProvider? = nil, reader: @escaping ResourceReader) {
        registry.withLock {
            $0.add(template: template, reader: reader)
            $0.templateCompletions[template.uriTemplate] = completion
        }
    }

    public var toolNames: [String] { registry.withLock { $0.tools.map(\.definition.name) } }

    /// A tool's input schema (the HTTP transport checks `x-mcp-header` properties against it).
    public func toolInputSchema(_ name: String) -> JSONValue? {
        registry.withLock { $0.tool(name)?.definition.inputSchema }
    }

    // MARK: events

    /// Tells every listener (legacy connections, 2026 listen streams) about a change.
    public func publish(_ event: ServerEvent) {
        let all = observers.withLock { Array($0.all.values) }
        for o in all { o(event) }
    }

    public func resourceUpdated(_ uri: String) { publish(.resourceUpdated(uri)) }

    /// Registers an observer of server events; call the returned closure to remove it.
    public func observe(_ observer: @escaping @Sendable (ServerEvent) -> Void) -> @Sendable () -> Void {
        let id = observers.withLock { s -> UInt64 in
            s.next += 1
            s.all[s.next] = observer
            return s.next
        }
        return { [weak self] in _ = self?.observers.withLock { $0.all.removeValue(forKey: id) } }
    }

    /// Ends every open `subscriptions/listen` gracefully (each answers with its final result).
    public func closeListens() {
        let waiting = listens.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.closed = true
            defer { s.waiting.removeAll() }
            return Array(s.waiting.values)
        }
        for c in waiting { c.resume() }
    }

    /// Suspends until the task is cancelled or `closeListens()` is called.
    func waitForListenEnd() async {
        let id = listens.withLock { s -> UInt64 in
            s.next += 1
            return s.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = listens.withLock { s -> Bool in
                    if s.closed || Task.isCancelled { return true }
                    s.waiting[id] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let c = listens.withLock { $0.waiting.removeValue(forKey: id) }
            c?.resume()
        }
    }

    // MARK: entry points

    /// Answers a 2026 request. Validation order follows the spec: the `_meta` envelope (−32602),
    /// the version (−32022), the method (−32601), then the method's own checks.
    public func handleModern(_ request: JSONRPCRequest, principal: String = "local",
                             emit: @escaping @Sendable (JSONRPCNotification) -> Void) async -> Result<JSONValue, JSONRPCError>
    {
        await handleModern(request, envelope: ModernEnvelope.parse(request.params), principal: principal, emit: emit)
    }

    /// `handleModern` with the request's envelope already read (`ModernEnvelope.parse` of its
    /// params; a connection remembers the one its client repeats, see `EnvelopeMemo`).
    func handleModern(_ request: JSONRPCRequest, envelope parsed: Result<ModernEnvelope, JSONRPCError>, principal: String,
                      emit: @escaping @Sendable (JSONRPCNotification) -> Void) async -> Result<JSONValue, JSONRPCError>
    {
        let envelope: ModernEnvelope
        switch parsed {
        case .success(let e): envelope = e
        case .failure(let e): return .failure(e)
        }
        guard MCPMethod.isServerRequest(request.method, in: envelope.version), let method = Self.methods[request.method] else {
            return .failure(.methodNotFound(request.method))
        }
        let context = RequestContext(
            requestID: request.id, method: request.method, version: envelope.version,
            clientCapabilities: envelope.clientCapabilities, clientInfo: envelope.clientInfo, principal: principal,
            progressToken: envelope.progressToken, logThreshold: envelope.logLevel, emit: emit)
        return await run(method, Call(params: request.paramsObject, context: context, session: nil, clientRequest: nil))
    }

    /// Answers a request on a legacy (handshake) connection.
    public func handleLegacy(_ request: JSONRPCRequest, session: LegacySession, principal: String = "local",
                             emit: @escaping @Sendable (JSONRPCNotification) -> Void,
                             clientRequest: ClientRequester?) async -> Result<JSONValue, JSONRPCError>
    {
        if request.method == MCPMethod.initialize {
            return initialize(request, session: session)
        }
        guard let view = session.requestView else {
            if request.method == MCPMethod.ping { return .success([:]) }
            return .failure(.invalidRequest("Invalid Request: the connection is not initialized; send \"initialize\" first"))
        }
        let version = view.version
        guard MCPMethod.isServerRequest(request.method, in: version), let method = Self.methods[request.method] else {
            return .failure(.methodNotFound(request.method))
        }
        let params = request.paramsObject
        var context = RequestContext(
            requestID: request.id, method: request.method, version: version,
            clientCapabilities: view.capabilities, clientInfo: view.clientInfo, principal: principal,
            progressToken: params["_meta"]?["progressToken"], logThreshold: view.logThreshold, emit: emit)
        if let clientRequest {
            // The two things asking needs, not a copy of the whole context.
            let capabilities = view.capabilities
            context.directAsk = { request in
                try await Self.askLegacyClient(request, capabilities: capabilities, version: version, ask: clientRequest)
            }
        }
        return await run(method, Call(params: params, context: context, session: session, clientRequest: clientRequest))
    }

    private func run(_ method: MethodHandler, _ call: Call) async -> Result<JSONValue, JSONRPCError> {
        do {
            let raw = try await method(self, call)
            let cache = call.context.method == MCPMethod.resourcesRead ? options.readCache : options.listCache
            return .success(ResultShaper.shape(result: consume raw, method: call.context.method, version: call.context.version, cache: cache, serverMeta: serverMeta))
        } catch let e as JSONRPCError {
            return .failure(e)
        } catch is CancellationError {
            return .failure(JSONRPCError(JSONRPCPeer.requestTimeout, "Request cancelled"))
        } catch {
            return .failure(.internalError("Internal error: \(error)"))
        }
    }

    /// Answers `initialize`. Synchronous on purpose: transports run it in arrival order so
    /// requests pipelined behind the handshake already see the negotiated session.
    public func initialize(_ request: JSONRPCRequest, session: LegacySession) -> Result<JSONValue, JSONRPCError> {
        if session.version != nil {
            return .failure(.invalidRequest("Invalid Request: the connection is already initialized"))
        }
        let params = request.paramsObject
        guard let requested = params["protocolVersion"]?.stringValue else {
            return .failure(.invalidParams("initialize requires a string \"protocolVersion\""))
        }
        // Echo any handshake version we speak; otherwise offer our latest handshake version.
        let version = ProtocolVersion(rawValue: requested).flatMap { $0.isModern ? nil : $0 } ?? .latestLegacy
        session.begin(version: version, capabilities: params["capabilities"]?.objectValue ?? [:], clientInfo: params["clientInfo"])
        var result: JSONObject = [
            "protocolVersion": .string(version.rawValue),
            "capabilities": capabilities(for: version),
            "serverInfo": info.json,
        ]
        if let instructions = options.instructions { result["instructions"] = .string(instructions) }
        return .success(ResultShaper.shape(result: .object(result), method: MCPMethod.initialize, version: version, cache: .uncached, serverInfo: infoJSON))
    }

    /// Our capabilities as a given revision describes them.
    func capabilities(for version: ProtocolVersion) -> JSONValue {
        var caps: JSONObject = [
            "tools": ["listChanged": true],
            "prompts": ["listChanged": true],
            "resources": ["subscribe": true, "listChanged": true],
            "logging": [:],
        ]
        if version.hasCompletionsCapability { caps["completions"] = [:] }
        if version.isModern, taskProvider.withLock({ $0 }) != nil { caps["extensions"] = .object([TasksExtension.id: .object([:])]) }
        return .object(caps)
    }
}

/// One request on its way through a method handler.
struct Call: Sendable {
    var params: JSONObject
    var context: RequestContext
    /// The handshake state; nil for 2026 requests.
    var session: LegacySession?
    var clientRequest: MCPServer.ClientRequester?
}

typealias MethodHandler = @Sendable (MCPServer, Call) async throws -> JSONValue
