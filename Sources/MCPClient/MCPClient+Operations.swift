import JSON
import JSONRPC
import MCP

/// The MCP operations, each in both eras, each with a time limit (per request; nil uses
/// `configuration.requestTimeout`) and cancellation (cancelling the calling task sends
/// `notifications/cancelled`).
extension MCPClient {
    // MARK: generic

    /// Sends any client→server request in the negotiated era and returns its result unchanged.
    /// 2026 requests get the `_meta` envelope; `tools/call`, `prompts/get` and `resources/read`
    /// resolve `input_required` rounds through the input provider. A gateway relays methods this
    /// client has no typed call for through here.
    /// `input`, when given, answers this request's 2026 input rounds instead of the connection's
    /// `inputProvider` (a gateway routes each call's questions to that call's own caller).
    /// `capabilities`, when given, are what this 2026 request declares instead of the
    /// connection's: a 2026 server decides per request what it may ask, so a gateway declares
    /// only what the caller behind this call can answer rather than asking questions it would
    /// have to decline. (A handshake-era session declared its capabilities once; they stay.)
    public func request(_ method: String, params: JSONObject = [:], timeout: Duration? = nil,
                        progress: (@Sendable (MCPProgress) -> Void)? = nil, input: MCPInputProvider? = nil,
                        capabilities: JSONObject? = nil) async throws(MCPClientError) -> JSONValue
    {
        let negotiation = try connected()
        guard MCPMethodNames.exists(method, in: negotiation.protocolVersion) else {
            throw .unsupported("\(method) is not part of protocol \(negotiation.protocolVersion) (\(negotiation.era) era)")
        }
        var params = params
        let token = progress.map { registerProgress($0) }
        defer { if let token { unregisterProgress(token) } }
        if let token {
            var meta = params["_meta"]?.objectValue ?? JSONObject()
            meta[MCPMetaKey.progressToken] = token
            params["_meta"] = .object(meta)
        }
        let limit = timeout ?? configuration.requestTimeout
        guard negotiation.era == .modern else {
            return try await exchange(method, params, stamp: .none, timeout: limit)
        }
        if let capabilities {
            var meta = params["_meta"]?.objectValue ?? JSONObject()
            meta[MCPMetaKey.clientCapabilities] = .object(capabilities)
            params["_meta"] = .object(meta)
        }
        return try await modernRounds(method, params, version: negotiation.protocolVersion, timeout: limit, input: input)
    }

    // MARK: tools

    /// Every tool, following `nextCursor` through all pages.
    public func listTools(timeout: Duration? = nil) async throws(MCPClientError) -> [MCPToolDefinition] {
        try await listToolsAndFreshness(timeout: timeout).tools
    }

    /// Every tool, and how long the server says the list stays fresh: the smallest `ttlMs` of
    /// its pages (2026: required on the result, absent or negative read as 0 — stale at once);
    /// nil from a handshake-era server, which gives no hint.
    public func listToolsAndFreshness(timeout: Duration? = nil) async throws(MCPClientError) -> (tools: [MCPToolDefinition], freshFor: Duration?) {
        var tools: [MCPToolDefinition] = []
        let (items, freshFor) = try await listAllAndFreshness(MCPMethod.toolsList, key: "tools", timeout: timeout)
        for item in items {
            tools.append(try MCPToolDefinition(json: item))
        }
        return (tools, freshFor)
    }

    /// One page of any paginated list (`tools/list`, `prompts/list`, `resources/list`,
    /// `resources/templates/list`), for callers that pass pages through.
    public func listPage(_ method: String, cursor: String? = nil, timeout: Duration? = nil) async throws(MCPClientError) -> MCPListPage {
        guard let key = MCPListPage.itemsKey(of: method) else {
            throw .unsupported("\(method) is not a paginated list method")
        }
        var params = JSONObject()
        if let cursor { params["cursor"] = .string(cursor) }
        return try MCPListPage(method: method, key: key, json: try await request(method, params: params, timeout: timeout))
    }

    /// Calls a tool. A tool failure is a result with `isError: true`, not a thrown error.
    /// `progress` receives the call's `notifications/progress`, in order.
    /// `capabilities`: see `request`.
    public func callTool(_ name: String, arguments: JSONObject? = nil, timeout: Duration? = nil,
                         progress: (@Sendable (MCPProgress) -> Void)? = nil, input: MCPInputProvider? = nil,
                         capabilities: JSONObject? = nil) async throws(MCPClientError) -> MCPToolCallResult
    {
        var params: JSONObject = ["name": .string(name)]
        if let arguments { params["arguments"] = .object(arguments) }
        return try MCPToolCallResult(json: try await request(MCPMethod.toolsCall, params: params, timeout: timeout, progress: progress, input: input,
                                                             capabilities: capabilities))
    }

    // MARK: prompts

    public func listPrompts(timeout: Duration? = nil) async throws(MCPClientError) -> [JSONValue] {
        try await listAll(MCPMethod.promptsList, key: "prompts", timeout: timeout)
    }

    /// `prompts/get`; the result (`description?`, `messages`) as received.
    /// `capabilities`: see `request`.
    public func getPrompt(_ name: String, arguments: [String: String] = [:], timeout: Duration? = nil,
                          capabilities: JSONObject? = nil) async throws(MCPClientError) -> JSONValue {
        var params: JSONObject = ["name": .string(name)]
        if !arguments.isEmpty {
            params["arguments"] = .object(JSONObject(arguments.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))
        }
        let result = try await request(MCPMethod.promptsGet, params: params, timeout: timeout, capabilities: capabilities)
        guard result["messages"]?.arrayValue != nil else {
            throw .protocolViolation("prompts/get returned a result without a \"messages\" array")
        }
        return result
    }

    // MARK: resources

    public func listResources(timeout: Duration? = nil) async throws(MCPClientError) -> [JSONValue] {
        try await listAll(MCPMethod.resourcesList, key: "resources", timeout: timeout)
    }

    public func listResourceTemplates(timeout: Duration? = nil) async throws(MCPClientError) -> [JSONValue] {
        try await listAll(MCPMethod.resourcesTemplatesList, key: "resourceTemplates", timeout: timeout)
    }

    /// `resources/read`; the result (`contents`) as received. An unknown resource is −32602 from a
    /// 2026 server and −32002 from an older one.
    /// `capabilities`: see `request`.
    public func readResource(_ uri: String, timeout: Duration? = nil, capabilities: JSONObject? = nil) async throws(MCPClientError) -> JSONValue {
        let result = try await request(MCPMethod.resourcesRead, params: ["uri": .string(uri)], timeout: timeout, capabilities: capabilities)
        guard result["contents"]?.arrayValue != nil else {
            throw .protocolViolation("resources/read returned a result without a \"contents\" array")
        }
        return result
    }

    // MARK: completion, ping, logging

    public func complete(_ reference: MCPCompletionReference, argument: String, value: String,
                         context: [String: String] = [:], timeout: Duration? = nil) async throws(MCPClientError) -> MCPCompletion
    {
        var params: JSONObject = ["ref": reference.json, "argument": ["name": .string(argument), "value": .string(value)]]
        if !context.isEmpty {
            let arguments = JSONObject(context.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })
            params["context"] = ["arguments": .object(arguments)]
        }
        return try MCPCompletion(json: try await request(MCPMethod.completionComplete, params: params, timeout: timeout))
    }

    /// Checks that the server answers. Legacy: `ping`. 2026 has no ping; `server/discover` (cheap,
    /// side-effect free) serves instead.
    public func ping(timeout: Duration? = nil) async throws(MCPClientError) {
        let negotiation = try connected()
        _ = try await request(negotiation.era == .modern ? MCPMethod.discover : MCPMethod.ping, timeout: timeout)
    }

    /// The minimum level of `notifications/message` the server should send. Legacy:
    /// `logging/setLevel`. 2026: every later request carries `_meta` `logLevel` (the 2026 way).
    public func setLoggingLevel(_ level: LogLevel, timeout: Duration? = nil) async throws(MCPClientError) {
        let negotiation = try connected()
        if negotiation.era == .modern {
            state.withLock { $0.logLevel = level }
            return
        }
        _ = try await request(MCPMethod.loggingSetLevel, params: ["level": .string(level.rawValue)], timeout: timeout)
    }

    // MARK: helpers

    /// All items of a paginated list. A cursor seen twice, or more than `maxListPages` pages, is a
    /// protocol violation (a server looping would otherwise keep us here forever).
    func listAll(_ method: String, key: String, timeout: Duration?) async throws(MCPClientError) -> [JSONValue] {
        try await listAllAndFreshness(method, key: key, timeout: timeout).items
    }

    func listAllAndFreshness(_ method: String, key: String, timeout: Duration?) async throws(MCPClientError) -> (items: [JSONValue], freshFor: Duration?) {
        var items: [JSONValue] = []
        var cursor: String?
        var seen = Set<String>()
        var freshFor: Duration?
        let modern = era == .modern
        for _ in 0..<configuration.maxListPages {
            let page = try await listPage(method, cursor: cursor, timeout: timeout)
            items.append(contentsOf: page.items)
            if modern {
                let milliseconds = max(0, page.json["ttlMs"]?.intValue ?? 0)
                let pageFreshFor = Duration.milliseconds(milliseconds)
                freshFor = min(freshFor ?? pageFreshFor, pageFreshFor)
            }
            guard let next = page.nextCursor else { return (items, freshFor) }
            guard seen.insert(next).inserted else {
                throw .protocolViolation("\(method) returned the same nextCursor twice")
            }
            cursor = next
        }
        throw .protocolViolation("\(method) returned more than \(configuration.maxListPages) pages")
    }

    func registerProgress(_ callback: @escaping @Sendable (MCPProgress) -> Void) -> JSONValue {
        state.withLock { s in
            s.nextProgressToken += 1
            let token = JSONValue.string("mcpclient-progress-\(s.nextProgressToken)")
            s.progress[token] = callback
            return token
        }
    }

    func unregisterProgress(_ token: JSONValue) {
        _ = state.withLock { $0.progress.removeValue(forKey: token) }
    }
}

/// One page of a paginated list.
public struct MCPListPage: Sendable, Hashable {
    /// The page's items (`tools`, `prompts`, `resources` or `resourceTemplates`) as received.
    public var items: [JSONValue]
    /// The cursor of the next page; nil on the last page. An empty string is a valid cursor.
    public var nextCursor: String?
    /// The whole result as received (2026: with `ttlMs`, `cacheScope`, `_meta`).
    public var json: JSONValue

    init(method: String, key: String, json: JSONValue) throws(MCPClientError) {
        guard let items = json[key]?.arrayValue else {
            throw .protocolViolation("\(method) returned a result without a \"\(key)\" array")
        }
        switch json["nextCursor"] {
        case nil, .null?: nextCursor = nil
        case .string(let s)?: nextCursor = s
        default: throw .protocolViolation("\(method) returned a non-string \"nextCursor\"")
        }
        self.items = items
        self.json = json
    }

    static func itemsKey(of method: String) -> String? {
        switch method {
        case MCPMethod.toolsList: return "tools"
        case MCPMethod.promptsList: return "prompts"
        case MCPMethod.resourcesList: return "resources"
        case MCPMethod.resourcesTemplatesList: return "resourceTemplates"
        default: return nil
        }
    }
}
