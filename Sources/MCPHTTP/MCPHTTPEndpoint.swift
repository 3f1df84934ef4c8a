import Foundation
import HTTPServer
import JSON
import JSONRPC
import MCP
import MCPServer
import Synchronization

/// MCP over HTTP for both eras on one endpoint, plus the 2024-11-05 HTTP+SSE transport.
///
/// Routing follows DIGEST §11.4: a POST is 2026 when `MCP-Protocol-Version` names a version that is
/// not a handshake version, or when a header-less body carries the 2026 `_meta` envelope;
/// otherwise it belongs to the legacy session protocol (`initialize` creates a session, later
/// requests carry `Mcp-Session-Id`). Every request first passes the DNS-rebinding guard and the
/// authenticator, so no route can skip them.
public final class MCPHTTPEndpoint: Sendable {
    public struct Configuration: Sendable {
        public var path: String
        /// 2024-11-05 transport: the SSE stream and the message endpoint it announces.
        public var legacySSEPath: String
        public var legacyMessagesPath: String
        public var originPolicy: OriginPolicy
        public var authenticator: Authenticator
        /// A legacy session idle this long (and with no open GET stream) is ended.
        public var sessionIdleTimeout: Duration
        public var maxSessions: Int
        /// Events kept per stream for `Last-Event-ID` resumption.
        public var replayEvents: Int
        /// Request streams kept per session for resumption.
        public var keptStreamsPerSession: Int
        /// Frames a slow SSE reader may fall behind before its stream is closed.
        public var streamCapacity: Int
        /// Interval of `:` keep-alive comments on open SSE streams.
        public var keepAliveInterval: Duration
        /// A request still running after this long is answered as SSE (with keep-alives).
        public var sseAfter: Duration
        /// Legacy server→client requests (elicitation, sampling, roots) give up after this long.
        public var clientRequestTimeout: Duration
        public var jsonLimits: JSONParser.Limits

        public init(path: String = "/mcp", legacySSEPath: String = "/sse", legacyMessagesPath: String = "/messages",
                    originPolicy: OriginPolicy = .open, authenticator: Authenticator = .none,
                    sessionIdleTimeout: Duration = .seconds(1800), maxSessions: Int = 10_000, replayEvents: Int = 256,
                    keptStreamsPerSession: Int = 32, streamCapacity: Int = 4096, keepAliveInterval: Duration = .seconds(15),
                    sseAfter: Duration = .seconds(5), clientRequestTimeout: Duration = .seconds(300),
                    jsonLimits: JSONParser.Limits = .default)
        {
            self.path = path
            self.legacySSEPath = legacySSEPath
            self.legacyMessagesPath = legacyMessagesPath
            self.originPolicy = originPolicy
            self.authenticator = authenticator
            self.sessionIdleTimeout = sessionIdleTimeout
            self.maxSessions = maxSessions
            self.replayEvents = replayEvents
            self.keptStreamsPerSession = keptStreamsPerSession
            self.streamCapacity = streamCapacity
            self.keepAliveInterval = keepAliveInterval
            self.sseAfter = sseAfter
            self.clientRequestTimeout = clientRequestTimeout
            self.jsonLimits = jsonLimits
        }
    }

    public let server: MCPServer
    public let configuration: Configuration

    /// Takes plain 2026 `tools/call` requests away from the engine (the gateway's relay).
    let callLane = Mutex<(any CallLane)?>(nil)
    public func setCallLane(_ lane: (any CallLane)?) { callLane.withLock { $0 = lane } }
    /// The DNS-rebinding policy; replaceable because a server bound to port 0 learns its port
    /// (and so its loopback origins) only after it starts listening.
    private let originPolicy: Mutex<OriginPolicy>
    let sessions: SessionStore
    let sseSessions: SSESessionStore
    let ticker: DeadlineTicker
    private let sweeper: Task<Void, Never>

    public init(server: MCPServer, configuration: Configuration = Configuration()) {
        self.server = server
        self.configuration = configuration
        self.originPolicy = Mutex(configuration.originPolicy)
        let store = SessionStore(maxSessions: configuration.maxSessions)
        sessions = store
        sseSessions = SSESessionStore()
        ticker = DeadlineTicker(resolution: min(configuration.sseAfter / 10, .milliseconds(250)))
        let timeout = configuration.sessionIdleTimeout
        sweeper = Task.detached {
            let period = min(timeout / 4, .seconds(30))
            while !Task.isCancelled {
                try? await Task.sleep(for: max(period, .milliseconds(50)))
                store.expire(idleLongerThan: timeout)
            }
        }
    }

    deinit {
        sweeper.cancel()
        ticker.stop()
    }

    public func setOriginPolicy(_ policy: OriginPolicy) {
        originPolicy.withLock { $0 = policy }
    }

    /// Number of live legacy sessions (Streamable HTTP and HTTP+SSE).
    public var sessionCount: Int { sessions.count + sseSessions.count }

    /// Routes the MCP paths of `router` to this endpoint.
    public func install(on router: HTTPRouter) {
        router.add(["POST", "GET", "DELETE"], configuration.path) { [unowned self] in await self.handle($0) }
        router.add(["GET"], configuration.legacySSEPath) { [unowned self] in await self.handle($0) }
        router.add(["POST"], configuration.legacyMessagesPath) { [unowned self] in await self.handle($0) }
    }

    /// Ends every session and open stream (server shutdown).
    public func close() {
        sweeper.cancel()
        ticker.stop()
        server.closeListens()
        sessions.closeAll()
        sseSessions.closeAll()
    }

    // MARK: entry

    /// The 401 / 403 answer for a refused authentication (with its `WWW-Authenticate`
    /// challenge), or nil when `outcome` is a principal. Other routes that authenticate the same
    /// way (per-agent gateways) answer with exactly these.
    public static func refusal(for outcome: Authenticator.Outcome) -> HTTPResponse? {
        switch outcome {
        case .principal:
            return nil
        case .rejected(let reason):
            var headers = HTTPHeaders()
            headers.add("WWW-Authenticate", #"Bearer error="invalid_token""#)
            return rpcError(401, id: nil, JSONRPCError(.invalidRequest, "Unauthorized: \(reason)"), headers: headers)
        case .forbidden(let scope):
            var headers = HTTPHeaders()
            headers.add("WWW-Authenticate", #"Bearer error="insufficient_scope", scope="\#(scope)""#)
            return rpcError(403, id: nil, JSONRPCError(.invalidRequest, "Forbidden: this endpoint requires the \(scope) scope"), headers: headers)
        case .limited(let status):
            var headers = HTTPHeaders()
            for (name, value) in status.headers { headers.add(name, value) }
            return rpcError(429, id: nil, JSONRPCError(.invalidRequest,
                "Too Many Requests: this key may make \(status.limit) requests per minute; retry after \(max(1, status.retryAfterSeconds)) s"), headers: headers)
        }
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        switch originPolicy.withLock({ $0 }).check(request) {
        case .badHost: return Self.plain(421, "Misdirected Request: Host header not allowed")
        case .badOrigin: return Self.rpcError(403, id: nil, JSONRPCError(.invalidRequest, "Forbidden: Origin not allowed"))
        case .allowed: break
        }
        let outcome = configuration.authenticator.authenticate(request)
        if let refusal = Self.refusal(for: outcome) { return refusal }
        guard case .principal(let principal) = outcome else { return Self.plain(500, "Internal Server Error") }
        var response = await route(request, principal: principal)
        if let extra = configuration.authenticator.responseHeaders?(request) {
            for (name, value) in extra { response.headers.add(name, value) }
        }
        return response
    }

    private func route(_ request: HTTPRequest, principal: String) async -> HTTPResponse {
        switch (request.method, request.path) {
        case ("GET", configuration.legacySSEPath): return openLegacySSE(request, principal: principal)
        case ("POST", configuration.legacyMessagesPath): return legacySSEMessage(request, principal: principal)
        case ("POST", configuration.path): return await post(request, principal: principal)
        case ("GET", configuration.path): return await get(request, principal: principal)
        case ("DELETE", configuration.path): return delete(request, principal: principal)
        case (_, configuration.path): return Self.methodNotAllowed("GET, POST, DELETE")
        case (_, configuration.legacySSEPath): return Self.methodNotAllowed("GET")
        case (_, configuration.legacyMessagesPath): return Self.methodNotAllowed("POST")
        default: return Self.plain(404, "Not Found")
        }
    }

    // MARK: POST /mcp

    private func post(_ request: HTTPRequest, principal: String) async -> HTTPResponse {
        let accept = request.headers.values("accept")
        guard HTTPSyntax.accepts(accept, "application/json") && HTTPSyntax.accepts(accept, "text/event-stream") else {
            return Self.plain(406, "Not Acceptable: the client must accept both application/json and text/event-stream")
        }
        guard HTTPSyntax.isMediaType(request.headers["content-type"], "application/json") else {
            return Self.plain(415, "Unsupported Media Type: Content-Type must be application/json")
        }
        // The gateway's relay first sees plain calls unparsed; what it declines is checked in full.
        var laneOffered = false
        if let lane = callLane.withLock({ $0 }), let routing = earlyCallRouting(request) {
            if let answered = await relayed(request, lane, routing: routing) { return answered }
            laneOffered = true
        }
        let incoming = request.body.withUnsafeBufferPointer { JSONRPCClassifier.classify(bytes: $0, limits: configuration.jsonLimits) }
        if case .invalid(let bad) = incoming {
            return Self.rpcError(400, id: bad.id, bad.error)
        }
        let headerVersion = request.headers["mcp-protocol-version"]
        let sessionID = request.headers["mcp-session-id"]
        let headerIsLegacy = headerVersion.flatMap(ProtocolVersion.init(rawValue:)).map { !$0.isModern } ?? false
        // A version nobody defines on a request of a session goes to that session, whose check
        // names the header, rather than to the 2026 path, which would only miss its envelope.
        let unknownOnSession = headerVersion.map { ProtocolVersion(rawValue: $0) == nil } == true && sessionID != nil
        var modern = headerVersion != nil && !headerIsLegacy && !unknownOnSession
        if headerVersion == nil, sessionID == nil, case .single(.request(let r)) = incoming, r.method != MCPMethod.initialize,
            ModernEnvelope.isEnveloped(r.params)
        {
            modern = true
        }
        if modern { return await modernPost(request, incoming, principal: principal, laneOffered: laneOffered) }
        return await legacyPost(request, incoming, principal: principal)
    }

    // MARK: helpers

    static func json(_ status: Int, _ value: JSONValue, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var h = headers
        h.set("Content-Type", "application/json")
        return HTTPResponse(status: status, headers: h, body: JSONWriter.bytes(value))
    }

    static func rpcError(_ status: Int, id: RequestID?, _ error: JSONRPCError, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        json(status, JSONRPCMessage.response(JSONRPCResponse(id: id, error: error)).json, headers: headers)
    }

    static func plain(_ status: Int, _ text: String, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var h = headers
        h.set("Content-Type", "text/plain; charset=utf-8")
        return HTTPResponse(status: status, headers: h, body: Array(text.utf8))
    }

    static func methodNotAllowed(_ allow: String = "POST") -> HTTPResponse {
        var h = HTTPHeaders()
        h.set("Allow", allow)
        return plain(405, "Method Not Allowed", headers: h)
    }

    static func accepted() -> HTTPResponse { HTTPResponse(status: 202) }

    static var sseHeaders: HTTPHeaders {
        var h = HTTPHeaders()
        h.set("Content-Type", "text/event-stream")
        h.set("Cache-Control", "no-cache, no-transform")
        h.set("X-Accel-Buffering", "no")
        return h
    }

    /// Writes a channel's frames to an SSE response until the channel ends or the client leaves,
    /// with keep-alive comments in between.
    func pump(_ channel: FrameChannel, _ writer: HTTPBodyWriter, onGone: @escaping @Sendable () -> Void) async {
        let interval = configuration.keepAliveInterval
        let keepAlive = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled || !channel.send(SSEFrame.keepAlive) { return }
            }
        }
        await withTaskCancellationHandler {
            while let frame = await channel.next() {
                do { try await writer.write(frame) } catch {
                    onGone()
                    break
                }
            }
        } onCancel: {
            onGone()
            channel.close()
        }
        keepAlive.cancel()
    }
}
