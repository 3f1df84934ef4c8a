// HTTPUpstream: an upstream MCP server reached over Streamable HTTP (either era, negotiated by the
// client). It sends exactly the configured headers — the server's own `headers` and the binding's
// `override_headers`, with `${credential:NAME}` resolved from the vault at call time (a rotated
// credential is used from the next call on: the connection is made again with it) — and nothing
// of the caller's: no incoming Authorization or cookie is ever forwarded. A
// connection that fails (closed, session expired) is dropped and made again on the next call
// (at once, for a request that cannot have run: an expired session). A 2026 upstream's
// `subscriptions/listen` is reopened when it ends (`ListenRenewal`).

import Foundation
import HTTPClient
import JSON
import MCPClient
import Supervision
import Synchronization

/// A live Streamable HTTP upstream.
public final class HTTPUpstream: Upstream {
    private struct State {
        var client: MCPClient?
        /// The headers `client` was made with.
        var clientHeaders: [(String, String)] = []
        /// The URL that connection was made to (resolved: it may carry credentials).
        var clientURL = ""
        /// The 2026 `subscriptions/listen` stream that brings the upstream's list changes.
        var subscription: MCPSubscription?
        var tools: [MCPToolDefinition]? {
            didSet { toolNames = tools?.map(\.name) }
        }
        /// The names in `tools`, kept so a call can route without building the list each time.
        var toolNames: [String]?
        var toolsFetchedAt: ContinuousClock.Instant?
        /// How long `tools` stays fresh: `catalogTTL`, or less when the server's `ttlMs` says so.
        var toolsFreshFor: Duration = .zero
        /// What the last call that counted against the upstream failed with, and since when
        /// it has been failing; and since when it has answered.
        var lastFailure: String?
        var failingSince: Date?
        var upSince: Date?
        /// How the next connection negotiates: the era is cached for the origin (DIGEST §11.1),
        /// so a handshake-only server is re-initialized (after a 404) without a new probe.
        var eraPreference = MCPEraPreference.auto
        /// The connection being made, which callers arriving meanwhile share: two first calls
        /// at once must not both negotiate, the second client replacing the first unclosed.
        var connecting: Task<MCPClient, any Error>?
        /// Bumped by `stop()`: a connection that completes after a stop it did not see is
        /// closed instead of kept (nothing would ever close it).
        var epoch = 0
    }

    public let key: UpstreamKey
    /// Resolves the URL (its credential references, never logged); called for every request
    /// like `headerSource`.
    private let urlSource: @Sendable () throws -> String
    private let legacySSE: Bool
    /// Resolves the headers to send (never logged); called for every request.
    private let headerSource: @Sendable () throws -> [(String, String)]
    /// The credential values resolved into those headers (see `UpstreamSecrets`).
    public let secrets: UpstreamSecrets
    private let http: HTTPClient
    private let catalogTTL: Duration
    private let callCeiling: Duration
    private let state = Mutex(State())
    private let breaker: CircuitBreaker
    private let createdAt = Date()
    private let changeHandlers = Mutex<[@Sendable () -> Void]>([])
    /// Sends what the upstream asks during a call to that call's caller.
    private let inputRouter = InputRouter()
    /// Reopens the 2026 listen when it ends while the connection is in use.
    private let listenRenewal = ListenRenewal()

    /// See `Upstream.era`.
    public var era: MCPEra? { state.withLock { $0.client?.era } }

    public func onToolsChanged(_ handler: @escaping @Sendable () -> Void) {
        changeHandlers.withLock { $0.append(handler) }
    }

    /// - Parameter headers: the resolved headers to send on every request (never logged).
    /// - Parameter headerSource: instead of fixed `headers`, how to resolve them: called for each
    ///   request; when its answer changes, the connection is made again with the new headers.
    /// - Parameter legacySSE: the server speaks the 2024-11-05 HTTP+SSE transport.
    /// - Parameter breakerThreshold, breakerCooldown: consecutive failed requests before calls
    ///   are refused (`UpstreamError.circuitOpen`), and for how long before one is let through.
    public convenience init(key: UpstreamKey, url: String, headers: [(String, String)], http: HTTPClient, legacySSE: Bool = false,
                            catalogTTL: Duration = .seconds(300), callCeiling: Duration = .seconds(1800),
                            breakerThreshold: Int = 5, breakerCooldown: Duration = .seconds(30)) {
        self.init(key: key, url: url, headerSource: { headers }, http: http, legacySSE: legacySSE, catalogTTL: catalogTTL,
                  callCeiling: callCeiling, breakerThreshold: breakerThreshold, breakerCooldown: breakerCooldown)
    }

    public convenience init(key: UpstreamKey, url: String, headerSource: @escaping @Sendable () throws -> [(String, String)], http: HTTPClient,
                            legacySSE: Bool = false, catalogTTL: Duration = .seconds(300), callCeiling: Duration = .seconds(1800),
                            breakerThreshold: Int = 5, breakerCooldown: Duration = .seconds(30), secrets: UpstreamSecrets = UpstreamSecrets()) {
        self.init(key: key, urlSource: { url }, headerSource: headerSource, http: http, legacySSE: legacySSE, catalogTTL: catalogTTL,
                  callCeiling: callCeiling, breakerThreshold: breakerThreshold, breakerCooldown: breakerCooldown, secrets: secrets)
    }

    /// - Parameter urlSource: how to resolve the URL, for one whose query or path references
    ///   credentials: called for each request; when its answer changes, the connection is made
    ///   again. Its credential values belong in `secrets`.
    public init(key: UpstreamKey, urlSource: @escaping @Sendable () throws -> String,
                headerSource: @escaping @Sendable () throws -> [(String, String)], http: HTTPClient, legacySSE: Bool = false,
                catalogTTL: Duration = .seconds(300), callCeiling: Duration = .seconds(1800),
                breakerThreshold: Int = 5, breakerCooldown: Duration = .seconds(30), secrets: UpstreamSecrets = UpstreamSecrets()) {
        self.secrets = secrets
        self.breaker = CircuitBreaker(failureThreshold: breakerThreshold, cooldown: breakerCooldown)
        self.legacySSE = legacySSE
        self.callCeiling = callCeiling
        self.key = key
        self.urlSource = urlSource
        self.headerSource = headerSource
        self.http = http
        self.catalogTTL = catalogTTL
    }

    /// The connected client, connecting (era negotiation) when there is none.
    func client(timeout: Duration) async throws -> MCPClient {
        let headers: [(String, String)], url: String
        do {
            headers = try headerSource()
            url = try urlSource()
        } catch {
            throw UpstreamError.unavailable(server: key.serverID, reason: "\(error)")  // names a credential, never its value
        }
        let (current, same) = state.withLock { state in
            (state.client, state.clientURL == url && Self.equal(state.clientHeaders, headers))
        }
        if let current {
            if current.closedReason == nil && same { return current }
            // Closed, or a credential changed since it was made: made again below.
            drop(current)
        }
        let (connecting, joined) = state.withLock { s -> (Task<MCPClient, any Error>, Bool) in
            if let running = s.connecting { return (running, true) }
            let epoch = s.epoch
            let started = Task { [self] in
                defer { state.withLock { if $0.epoch == epoch { $0.connecting = nil } } }
                return try await connect(url: url, headers: headers, timeout: timeout, epoch: epoch)
            }
            s.connecting = started
            return (started, false)
        }
        // Shared with callers arriving meanwhile; each leaves when its own task is cancelled,
        // and a caller that joined also after its own timeout (the one that started it is
        // bounded by the connection's deadlines, which are its timeout).
        return try await SharedConnect.join(connecting, timeout: joined ? timeout : nil, server: key.serverID)
    }

    /// Makes the connection (era negotiation, then a listen for a 2026 server) and keeps it.
    private func connect(url: String, headers: [(String, String)], timeout: Duration, epoch: Int) async throws -> MCPClient {
        let events = MCPClientEvents(listChanged: { [weak self] kind in
            if kind == .tools { self?.toolsChanged() }
        }, inputProvider: inputRouter.provider)
        let transport: any MCPClientTransport
        do {
            transport = legacySSE
                ? try LegacySSEClientTransport(url: url, headers: headers, client: http)
                : try HTTPClientTransport(url: url, headers: headers, client: http)
        } catch {
            // Names a header, never its value; the URL's credentials are redacted.
            throw UpstreamError.unavailable(server: key.serverID, reason: secrets.redact("\(error)"))
        }
        let client = MCPClient(transport: transport, events: events)
        let preference = state.withLock { $0.eraPreference }
        do {
            _ = try await withDeadline(timeout) { try await client.connect(era: preference) }
        } catch {
            client.close()
            // A cached verdict that no longer holds (the server was upgraded): probe next time.
            if preference != .auto { state.withLock { $0.eraPreference = .auto } }
            throw UpstreamError.unavailable(server: key.serverID, reason: secrets.redact("\(error)"))
        }
        // 2026 servers announce list changes only to a `subscriptions/listen` stream (handshake
        // ones send them unasked); one that refuses to listen still works, by the TTL.
        let subscription = client.era == .modern ? try? await client.listen(toolsChanged: true, timeout: timeout) : nil
        let kept = state.withLock { state -> (kept: Bool, replaced: MCPSubscription?) in
            guard state.epoch == epoch else { return (false, nil) }
            defer {
                state.client = client
                state.clientHeaders = headers
                state.clientURL = url
                state.subscription = subscription
                state.eraPreference = client.era == .legacy && !legacySSE ? .legacy : .auto
            }
            return (true, state.subscription)
        }
        guard kept.kept else {
            // `stop()` ran while this connection was being made.
            subscription?.cancel()
            client.close()
            throw UpstreamError.unavailable(server: key.serverID, reason: "stopped while connecting")
        }
        let replaced = kept.replaced
        if let subscription { listenRenewal.watch(subscription, on: client, host: listenHost) } else { listenRenewal.stop() }
        replaced?.cancel()
        return client
    }

    /// The tool list may have changed: drop the cached one and tell the gateway's clients.
    private func toolsChanged() {
        state.withLock { $0.tools = nil }
        for handler in changeHandlers.withLock({ $0 }) { handler() }
    }

    /// How the listen renewal sees this upstream: the listen is current while it is the one in
    /// `state` (dropping the client clears it); its end drops the catalog like a notification.
    private var listenHost: ListenRenewal.Host {
        .slot({ [weak self] body in self?.state.withLock { body(&$0.subscription) } ?? false },
              ended: { [weak self] in self?.toolsChanged() })
    }

    private static func equal(_ a: [(String, String)], _ b: [(String, String)]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    private func drop(_ client: MCPClient) {
        let (current, subscription) = state.withLock { state -> (Bool, MCPSubscription?) in
            guard state.client === client else { return (false, nil) }
            defer { state.client = nil; state.subscription = nil; state.tools = nil }
            return (true, state.subscription)
        }
        if current { listenRenewal.stop() }
        subscription?.cancel()
        client.close()
    }

    public func tools(timeout: Duration) async throws -> [MCPToolDefinition] {
        let cached = state.withLock { state -> [MCPToolDefinition]? in
            guard let tools = state.tools, let at = state.toolsFetchedAt, ContinuousClock.now - at < state.toolsFreshFor else { return nil }
            return tools
        }
        if let cached { return cached }
        return try await guarded {
            for attempt in 0..<2 {
                let client = try await client(timeout: timeout)
                do {
                    let (tools, freshFor) = try await client.listToolsAndFreshness(timeout: timeout)
                    state.withLock { state in
                        state.tools = tools
                        state.toolsFetchedAt = .now
                        state.toolsFreshFor = min(catalogTTL, freshFor ?? catalogTTL)
                    }
                    return tools
                } catch {
                    guard Self.isConnectionLoss(error) else { throw error }
                    drop(client)
                    // A lost legacy session (404): connect again, once, as calls do.
                    if attempt == 1 || !Self.isSessionLoss(error) { throw error }
                }
            }
            throw UpstreamError.unavailable(server: key.serverID, reason: "the connection could not be re-established")
        }
    }

    public var cachedToolNames: [String]? { state.withLock { $0.toolNames } }

    public func withClient<T: Sendable>(timeout: Duration, _ body: @Sendable (MCPClient) async throws -> T) async throws -> T {
        try await guarded {
            for attempt in 0..<2 {
                let client = try await client(timeout: timeout)
                do {
                    return try await body(client)
                } catch {
                    guard Self.isConnectionLoss(error) else { throw error }
                    drop(client)
                    if attempt == 1 || !Self.isSessionLoss(error) { throw error }
                }
            }
            throw UpstreamError.unavailable(server: key.serverID, reason: "the connection could not be re-established")
        }
    }

    public func callTool(_ name: String, arguments: JSONObject, timeout: Duration,
                         progress: (@Sendable (MCPProgress) -> Void)?, input: InputRouter.Sink?, callerCapabilities: JSONObject) async throws -> MCPToolCallResult {
        try await guarded {
            for attempt in 0..<2 {
                let client = try await client(timeout: timeout)
                do {
                    // The router gets the deadline's sink: a handshake-era question pauses it too.
                    let inputRouter = self.inputRouter
                    return try await ProgressDeadline.run(server: key.serverID, idle: timeout, ceiling: callCeiling, progress: progress, input: input) { ceiling, onProgress, input in
                        try await inputRouter.during(input) {
                            try await client.callTool(name, arguments: arguments, timeout: ceiling, progress: onProgress, input: input,
                                                      capabilities: client.capabilities(forCaller: callerCapabilities))
                        }
                    }
                } catch {
                    guard Self.isConnectionLoss(error) else { throw error }
                    drop(client)
                    // A lost legacy session (404) or a closed connection: connect again, once —
                    // the call cannot have run when the session was unknown to the server.
                    if attempt == 1 || !Self.isSessionLoss(error) { throw error }
                }
            }
            throw UpstreamError.unavailable(server: key.serverID, reason: "the connection could not be re-established")
        }
    }

    /// Runs one request under the circuit breaker and keeps `health` current. An answer — a
    /// result, or a JSON-RPC error, which is the server speaking — is a success; a bare 5xx, and
    /// what counts against a stdio upstream (no connection, a transport failure, our idle
    /// deadline), is a failure; a caller that went away counts for nothing.
    private func guarded<T>(_ body: () async throws -> T) async throws -> T {
        guard breaker.allowRequest() else { throw UpstreamError.circuitOpen(server: key.serverID) }
        do {
            let value = try await body()
            answered()
            return value
        } catch {
            let bareFailure = (error as? MCPClientError).map(HTTPClientTransport.isBareServerFailure) ?? false
            if bareFailure || UpstreamConnection.countsAgainstUpstream(error, callerCancelled: Task.isCancelled) {
                breaker.recordFailure()
                state.withLock { state in
                    state.lastFailure = "\(error)"
                    if state.failingSince == nil { state.failingSince = Date() }
                    state.upSince = nil
                }
            } else if case .server? = error as? MCPClientError {
                answered()
            }
            throw error
        }
    }

    private func answered() {
        breaker.recordSuccess()
        state.withLock { state in
            state.lastFailure = nil
            state.failingSince = nil
            if state.upSince == nil { state.upSince = Date() }
        }
    }

    /// Up since its first answer; degraded while requests fail (with the last failure); down
    /// while the breaker is open (since the failures began), or before it was first used.
    public var health: Supervisor.Health {
        let (failure, failingSince, upSince) = state.withLock { ($0.lastFailure, $0.failingSince, $0.upSince) }
        switch breaker.currentState {
        case .open, .halfOpen:
            return .down(reason: "circuit open after \(breaker.failureThreshold) consecutive failures; last: \(failure ?? "unknown")",
                         since: failingSince ?? createdAt)
        case .closed:
            if let failure {
                return .degraded(reason: "\(breaker.consecutiveFailures) consecutive failure(s); last: \(failure)", since: failingSince ?? createdAt)
            }
            if let upSince { return .up(since: upSince) }
            return .down(reason: "not used yet (connects on first use)", since: createdAt)
        }
    }

    public func stop() async {
        // A connection being made is left to finish: it sees the new epoch and closes itself,
        // which ends its session on the server (cancelled mid-handshake, the server would keep
        // a session nobody can delete). Its negotiation is bounded by its own timeout.
        let (client, subscription) = state.withLock { state -> (MCPClient?, MCPSubscription?) in
            defer {
                state.client = nil
                state.subscription = nil
                state.connecting = nil
                state.epoch += 1
            }
            return (state.client, state.subscription)
        }
        listenRenewal.stop()
        subscription?.cancel()
        client?.close()
    }

    /// The connection is unusable: closed, its legacy session expired, or the request never
    /// reached the server.
    static func isConnectionLoss(_ error: any Error) -> Bool {
        guard let error = error as? MCPClientError else { return false }
        switch error {
        case .closed, .transport: return true
        case .server: return isSessionLoss(error)
        default: return false
        }
    }

    /// The server no longer knows our legacy session (404): the call did not run.
    static func isSessionLoss(_ error: any Error) -> Bool {
        guard case .server(let code, let message, _)? = error as? MCPClientError else { return false }
        return code == -32600 && message.contains("session has expired")
    }
}
