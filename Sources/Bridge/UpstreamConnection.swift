// UpstreamConnection: one live upstream MCP server — a supervised stdio child with an MCP client
// on its pipes — and the cache of its tool catalog.
//
// The supervisor restarts the child when it dies (backoff, crash-loop detection); every start
// negotiates the era again (straight to `initialize` when the last child spoke only that, or
// died on the `server/discover` probe — and back to probing when `initialize` is refused with
// −32022, which only a modern server answers) and re-discovers the tools, so a restarted upstream never
// serves a stale catalog. The catalog is also dropped on `notifications/tools/list_changed` and after a
// TTL. Calls wait (up to their own deadline) for the connection to come up, and a circuit
// breaker stops hammering an upstream that keeps failing. Nothing here knows about agents or
// allow-lists: `AgentCatalogProvider` governs what goes through.

import Foundation
import HTTPServer
#if canImport(Glibc)
import Glibc
#endif
import JSON
import JSONRPC
import MCP
import MCPClient
import Platform
import Supervision
import Synchronization

/// A live upstream connection.
public final class UpstreamConnection: Sendable {
    public struct Options: Sendable {
        /// How long a tool catalog stays fresh without a change notification.
        public var catalogTTL: Duration = .seconds(300)
        /// How long each phase of a start may take — negotiation (discover / initialize), the
        /// first tool listing, the 2026 listen — and how long a call that finds the child not yet
        /// past the handshake waits for it (or its own timeout, when longer). The server's
        /// `startup_timeout_s`.
        public var connectTimeout: Duration = .seconds(20)
        /// Consecutive failed calls before the breaker opens, and how long it stays open.
        public var breakerThreshold: Int = 5
        public var breakerCooldown: Duration = .seconds(30)
        public var restartPolicy = RestartPolicy()
        /// The absolute limit of one call, however much progress it reports.
        public var callCeiling: Duration = .seconds(1800)
        /// Reads the child's output on this source's thread (the HTTP server's event loop that
        /// serves the gateway's callers) instead of a reader thread per child.
        public var readiness: (any ReadinessSource)?
        public init() {}
    }

    private struct State {
        var client: MCPClient?
        /// When `client` was installed (the start hook's success).
        var connectedAt: Date?
        var transport: FDClientTransport?
        var subscription: MCPSubscription?
        var tools: [MCPToolDefinition]? {
            didSet { toolNames = tools?.map(\.name) }
        }
        /// The names in `tools`, kept so a call can route without building the list each time.
        var toolNames: [String]?
        var toolsFetchedAt: ContinuousClock.Instant?
        /// How long `tools` stays fresh: our TTL, or less when the server's `ttlMs` says so.
        var toolsFreshFor: Duration = .zero
        var consecutiveFailures = 0
        var openUntil: ContinuousClock.Instant?
        /// The connection (its transport) whose end was last counted by the breaker: the calls a
        /// dying connection takes with it are one failure, not one each.
        var lostCounted: ObjectIdentifier?
        /// How the next start negotiates. `.auto` probes with `server/discover`; `.legacy` goes
        /// straight to `initialize`: learned from a child that spoke only the handshake, or one
        /// that exited on the probe (some legacy servers die on an unknown request).
        var eraPreference = MCPEraPreference.auto
        /// The start in progress (or last made), by its transport: only that start writes
        /// `answeredHandshake` and `lastStartFailed`, so a superseded one finishing late cannot.
        var startID: ObjectIdentifier?
        /// When the current child answered the handshake. Until it has, it is starting (spawned,
        /// negotiating, or waiting out a restart's backoff), and a call waits for it as long as a
        /// start may take; after, the rest of the start (the first listing) gets the call's own
        /// timeout from that moment, and a child that does not finish it is hung.
        var answeredHandshake: ContinuousClock.Instant?
        /// Whether the last start failed (it timed out, spoke garbage, exited, or hung after the
        /// handshake) — other than a child exiting on the 2026 probe, which the next start meets
        /// with `initialize`. Such a server is not waited for beyond a call's own timeout: a
        /// broken command would otherwise hold every listing for the whole start budget.
        var lastStartFailed = false
        /// Set by `stop()`, for good: nothing starts the child again (a call still holding this
        /// connection would otherwise spawn one the registry no longer knows).
        var stopped = false
    }

    public let key: UpstreamKey
    public let options: Options
    /// The credentials in the child's environment (see `UpstreamSecrets`).
    public let secrets: UpstreamSecrets
    private let supervisor: Supervisor
    private let state = Mutex(State())
    /// Moves (under `state`'s lock) whenever what `wire` returns may change: a connection made
    /// or dropped, the breaker opened or reset. A relay that checked `wire` once keeps using its
    /// answer while this stays the same, instead of locking and retaining per call.
    public let wireEpoch = WireEpoch()

    private let changeHandlers = Mutex<[@Sendable () -> Void]>([])
    /// Sends what the upstream asks during a call to that call's caller.
    private let inputRouter = InputRouter()
    /// Reopens the 2026 listen when it ends while the child lives.
    private let listenRenewal: ListenRenewal

    /// Runs `handler` whenever the upstream's tool list changed (a notification, or a restart
    /// that re-discovered the tools), so a gateway can tell its own clients.
    public func onToolsChanged(_ handler: @escaping @Sendable () -> Void) {
        changeHandlers.withLock { $0.append(handler) }
    }

    private func toolsChanged() {
        state.withLock { $0.tools = nil }
        for handler in changeHandlers.withLock({ $0 }) { handler() }
    }

    /// Creates (without starting) the connection for `launch`; `prepare`, when given, builds the
    /// launch again before every (re)start (credentials resolved then).
    public init(key: UpstreamKey, launch: LaunchSpec, options: Options = Options(), prepare: (@Sendable () throws -> LaunchSpec)? = nil) {
        self.key = key
        self.options = options
        let secrets = UpstreamSecrets(launch.redactions)
        self.secrets = secrets
        // Every (re)start's credentials are remembered as they are resolved.
        let prepare = prepare.map { build in { @Sendable () throws -> LaunchSpec in
            let spec = try build()
            secrets.record(spec.redactions)
            return spec
        } }
        self.listenRenewal = ListenRenewal(acknowledgementTimeout: options.connectTimeout)
        let box = WeakBox()
        supervisor = Supervisor(
            name: key.description, spec: launch, policy: options.restartPolicy,
            hooks: Supervisor.Hooks(
                onStart: { child in try await box.connection?.attach(child) },
                onExit: { _ in box.connection?.detach() }),
            prepare: prepare)
        box.connection = self
    }

    /// Starts the child (idempotent; nothing after `stop()`).
    public func start() { startUnlessStopped() }

    /// Starts the supervisor unless `stop()` came first; under the state lock, so a start and a
    /// stop racing end stopped either way. Returns whether it was not stopped.
    @discardableResult
    private func startUnlessStopped() -> Bool {
        state.withLock { state in
            if !state.stopped { supervisor.start() }
            return !state.stopped
        }
    }

    /// Stops the child with the full shutdown sequence, for good; in-flight calls fail, and
    /// later ones fail without starting it again.
    public func stop() async {
        state.withLock { $0.stopped = true }
        detach()
        await supervisor.stop()
    }

    /// Current health of the child. The start hook installs the client before the supervisor
    /// records `.up`, and on a busy machine that moment can last: a connection already serving
    /// calls reports up, not starting.
    public var health: Supervisor.Health {
        let health = supervisor.health
        if case .starting = health, let since = state.withLock({ $0.client != nil ? $0.connectedAt : nil }) {
            return .up(since: since)
        }
        return health
    }

    /// The current child's process id (nil while none runs).
    public var childPID: Int32? { supervisor.child?.pid }

    // MARK: - Lifecycle hooks

    private func attach(_ child: ChildProcess) async throws {
        // The transport closes the descriptors it is given, and so does ChildProcess: give the
        // transport its own duplicates, or one of them would close a number the other (or
        // anyone else, after reuse) already holds.
        let readFD = fcntl(child.stdoutFD, F_DUPFD_CLOEXEC, 0)
        let writeFD = fcntl(child.stdinFD, F_DUPFD_CLOEXEC, 0)
        guard readFD >= 0, writeFD >= 0 else {
            if readFD >= 0 { close(readFD) }
            if writeFD >= 0 { close(writeFD) }
            throw UpstreamError.startFailed(server: key.serverID, reason: "cannot duplicate the child's pipes (errno \(errno))")
        }
        let transport = FDClientTransport(readFD: readFD, writeFD: writeFD, readiness: options.readiness)
        let transportID = ObjectIdentifier(transport)
        state.withLock { state in
            state.startID = transportID
            state.answeredHandshake = nil
        }
        let events = MCPClientEvents(listChanged: { [weak self] kind in
            if kind == .tools { self?.toolsChanged() }
        }, inputProvider: inputRouter.provider, closed: { [weak self] _ in
            // A server whose stdout closed is of no more use even if its process lives on:
            // stop it (briefly: it is broken), and the supervisor restarts it.
            if self?.detach(ifStill: transportID) == true {
                Task { await child.terminate(grace: .milliseconds(500)) }
            }
        })
        let client = MCPClient(transport: transport, events: events)
        // If this child dies while we negotiate, the next one is met the other way: after a
        // probe, straight to `initialize` (DIGEST §11.1: legacy servers may exit on
        // `server/discover`); after a handshake it also died on, a probe again. Switched before
        // negotiating, since the supervisor may see the exit (and restart) before this task
        // sees the pipe close.
        let preference = state.withLock { state -> MCPEraPreference in
            let preference = state.eraPreference
            state.eraPreference = preference == .auto ? .legacy : .auto
            return preference
        }
        var negotiated = false
        do {
            _ = try await withDeadline(options.connectTimeout) { try await client.connect(era: preference) }
            negotiated = true
            state.withLock { state in
                guard state.startID == transportID else { return }
                state.answeredHandshake = .now
                state.lastStartFailed = false
            }
            // The era is cached for this upstream across restarts: a handshake-only server is
            // not probed again; a 2026 one is (the probe is its first request anyway).
            state.withLock { $0.eraPreference = client.era == .legacy ? .legacy : .auto }
            let (tools, freshFor) = try await client.listToolsAndFreshness(timeout: options.connectTimeout)
            // 2026 servers announce list changes only to a `subscriptions/listen` stream; legacy
            // ones send them unasked. A server that refuses to listen still works (TTL applies).
            let subscription = client.era == .modern
                ? try? await client.listen(toolsChanged: true, timeout: options.connectTimeout) : nil
            let restarted = state.withLock { state -> Bool in
                defer {
                    state.client = client
                    state.connectedAt = Date()
                    state.transport = transport
                    wireEpoch.advance()
                    state.subscription = subscription
                    state.tools = tools
                    state.toolsFetchedAt = .now
                    state.toolsFreshFor = min(options.catalogTTL, freshFor ?? options.catalogTTL)
                }
                return state.toolsFetchedAt != nil
            }
            if let subscription { listenRenewal.watch(subscription, on: client, host: listenHost) }
            // After a restart the catalog may differ: tell the gateway's clients.
            if restarted { for handler in changeHandlers.withLock({ $0 }) { handler() } }
        } catch {
            client.close()
            // A child that exited on the probe is met with `initialize` next: a start expected to
            // work, and waited for as such.
            let diedOnProbe = !negotiated && preference == .auto && Self.childDied(error)
            if !diedOnProbe {
                state.withLock { state in
                    if state.startID == transportID { state.lastStartFailed = true }
                }
            }
            if !negotiated && !Self.childDied(error) {
                // A failure that is not the child dying (a timeout, no common version) says
                // nothing against probing: keep how this start negotiated — except that a
                // handshake refused with −32022 proves a modern server, which the next start probes.
                state.withLock { $0.eraPreference = Self.refusedAsModern(error) ? .auto : preference }
            }
            throw UpstreamError.startFailed(server: key.serverID, reason: "\(error)")
        }
    }

    /// How the listen renewal sees this connection: the listen is current while it is the one
    /// in `state` (detaching clears it); its end drops the catalog like a change notification.
    private var listenHost: ListenRenewal.Host {
        .slot({ [weak self] body in self?.state.withLock { body(&$0.subscription) } ?? false },
              ended: { [weak self] in self?.toolsChanged() })
    }

    /// Whether the server refused our protocol version (−32022): only a modern server does that.
    private static func refusedAsModern(_ error: any Error) -> Bool {
        guard case .server(let code, _, _)? = error as? MCPClientError else { return false }
        return code == JSONRPCErrorCode.unsupportedProtocolVersion.rawValue
    }

    /// Whether a negotiation failed because the child went away: its pipe closed, or the
    /// supervisor, having seen it exit, cancelled the start.
    private static func childDied(_ error: any Error) -> Bool {
        if error is CancellationError { return true }
        switch error as? MCPClientError {
        case .closed?, .transport?, .cancelled?: return true
        default: return false
        }
    }

    /// Forgets the connection (true when it did). With `ifStill`, only while that transport is
    /// the current one: its pipe closing is the first sign of a dead server (the supervisor
    /// learns of the exit later — at once for a crash, not at all while a process that closed
    /// its stdout lingers), and until then new calls would be sent into the closed connection
    /// and fail instead of waiting for the restart.
    @discardableResult
    private func detach(ifStill transport: ObjectIdentifier? = nil) -> Bool {
        let (matched, client, subscription) = state.withLock { state -> (Bool, MCPClient?, MCPSubscription?) in
            if let transport, state.transport.map(ObjectIdentifier.init) != transport { return (false, nil, nil) }
            defer {
                state.client = nil
                state.answeredHandshake = nil
                state.transport = nil
                state.subscription = nil
                state.tools = nil
                wireEpoch.advance()
            }
            return (true, state.client, state.subscription)
        }
        if matched { listenRenewal.stop() }
        subscription?.cancel()
        client?.close()
        return matched
    }

    // MARK: - Use

    /// The connected client, waiting up to `timeout` for the child to come up.
    public func client(timeout: Duration) async throws -> MCPClient {
        try await live(timeout: timeout).client
    }

    /// The live wire. A client already closed is not one: its pipe's end fails the calls in
    /// flight before `detach` forgets it, and a call made in between must wait for the restart
    /// rather than go into the closed connection.
    private var current: (client: MCPClient, transport: ObjectIdentifier?)? {
        state.withLock { state in
            guard let client = state.client, client.closedReason == nil else { return nil }
            return (client, state.transport.map(ObjectIdentifier.init))
        }
    }

    /// The connected client and its transport's identity (for `noteLost`). A child that has not
    /// answered the handshake yet is waited for as long as a start may take (`connectTimeout`),
    /// or `timeout` when that is longer: a call's timeout is the tool's time, and a cold
    /// interpreter on a busy machine can take longer than a short timeout to answer its first
    /// request. One that answered it and then hangs (its first tool listing, say), or whose
    /// last start failed, gets `timeout` only.
    private func live(timeout: Duration) async throws -> (client: MCPClient, transport: ObjectIdentifier?) {
        // The common case: connected. (Starting the supervisor posts to its mailbox, which is
        // far too much work to repeat on every call.)
        if let live = current { return live }
        guard startUnlessStopped() else { throw UpstreamError.unavailable(server: key.serverID, reason: "stopped") }
        let started = ContinuousClock.now
        let deadline = started + timeout
        let startDeadline = started + max(timeout, options.connectTimeout)
        while true {
            if let live = current { return live }
            // `down` right after start() is the initial "not started" state; later it is the
            // supervisor giving up (crash loop), which no amount of waiting fixes.
            if case .down(let reason, _) = supervisor.health, ContinuousClock.now - started > .milliseconds(500) {
                throw UpstreamError.unavailable(server: key.serverID, reason: reason)
            }
            let now = ContinuousClock.now
            if now >= deadline, now >= startDeadline || state.withLock({ state in
                state.lastStartFailed || state.answeredHandshake.map { now >= $0 + timeout } == true
            }) {
                throw UpstreamError.unavailable(server: key.serverID, reason: "not ready after \((now - started).shortText) (\(supervisor.health))")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    public func withClient<T: Sendable>(timeout: Duration, _ body: @Sendable (MCPClient) async throws -> T) async throws -> T {
        try await body(try await client(timeout: timeout))
    }

    /// The tool catalog (cached; refetched after a change notification, a restart, or when
    /// stale: after our TTL, or sooner when the upstream's `ttlMs` says so — 0 means every
    /// listing asks again; calls keep routing by the last list meanwhile).
    public func tools(timeout: Duration) async throws -> [MCPToolDefinition] {
        if let fresh = freshTools { return fresh }
        let client = try await client(timeout: timeout)
        // Coming up lists the tools: a start just made for this call is not followed by a second list.
        if let fresh = freshTools { return fresh }
        let (tools, freshFor) = try await client.listToolsAndFreshness(timeout: timeout)
        state.withLock { state in
            state.tools = tools
            state.toolsFetchedAt = .now
            state.toolsFreshFor = min(options.catalogTTL, freshFor ?? options.catalogTTL)
        }
        return tools
    }

    private var freshTools: [MCPToolDefinition]? {
        state.withLock { state in
            guard let tools = state.tools, let at = state.toolsFetchedAt, ContinuousClock.now - at < state.toolsFreshFor else { return nil }
            return tools
        }
    }

    /// See `Upstream.era`.
    public var era: MCPEra? { state.withLock { $0.client?.era } }

    /// The live client and its pipes, when connected and the breaker is closed.
    public var wire: (client: MCPClient, transport: FDClientTransport)? {
        state.withLock { state in
            if let until = state.openUntil, ContinuousClock.now < until { return nil }
            guard let client = state.client, let transport = state.transport else { return nil }
            return (client, transport)
        }
    }

    /// The names in the cached catalog, without any I/O (nil when nothing is cached).
    public var cachedToolNames: [String]? { state.withLock { $0.toolNames } }

    /// Calls `name` with `arguments`, failing when the upstream goes `timeout` without answering
    /// or reporting progress (and after `options.callCeiling` in any case); guarded by the
    /// circuit breaker.
    public func callTool(_ name: String, arguments: JSONObject, timeout: Duration,
                         progress: (@Sendable (MCPProgress) -> Void)? = nil, input: InputRouter.Sink? = nil,
                         callerCapabilities: JSONObject = [:]) async throws -> MCPToolCallResult {
        if let until = state.withLock({ $0.openUntil }), ContinuousClock.now < until {
            throw UpstreamError.circuitOpen(server: key.serverID)
        }
        var transport: ObjectIdentifier?
        do {
            let (client, liveTransport) = try await live(timeout: timeout)
            transport = liveTransport
            // `timeout` is an idle deadline: each progress report from the upstream resets it.
            // The router gets the deadline's sink too: a handshake-era question (a request from
            // the server) pauses the deadline like a 2026 `input_required` round does.
            let inputRouter = self.inputRouter
            let result = try await ProgressDeadline.run(server: key.serverID, idle: timeout, ceiling: options.callCeiling, progress: progress, input: input) { ceiling, onProgress, input in
                try await inputRouter.during(input) {
                    try await client.callTool(name, arguments: arguments, timeout: ceiling, progress: onProgress, input: input,
                                              capabilities: client.capabilities(forCaller: callerCapabilities))
                }
            }
            noteSuccess()
            return result
        } catch {
            // A JSON-RPC error from the server is an answer, not an outage; and a caller that
            // went away (a closed HTTP connection, a cancelled run) says nothing about the
            // upstream — counting those would let one client hanging up on a busy gateway open
            // the breaker for everyone. An idle-deadline expiry is the upstream's fault and counts.
            if Self.countsAgainstUpstream(error, callerCancelled: Task.isCancelled) { noteFailure(error, on: transport) }
            throw error
        }
    }

    /// Whether a failed call is evidence that the upstream is unwell (for the breaker).
    static func countsAgainstUpstream(_ error: any Error, callerCancelled: Bool) -> Bool {
        if case .server? = error as? MCPClientError { return false }
        // Our own verdicts (unavailable, timed out on the idle deadline) count even when the
        // caller has since gone.
        if error is UpstreamError { return true }
        return !(callerCancelled || error is CancellationError)
    }

    /// A call that got an answer: the upstream is well (for calls made outside `callTool`).
    func noteSuccess() {
        guard wireEpoch.hasFailures else { return }
        state.withLock { state in
            if state.openUntil != nil { wireEpoch.advance() }
            state.consecutiveFailures = 0
            state.openUntil = nil
            wireEpoch.setFailures(false)
        }
    }



    /// A call made through `transport` failed with `error` (one that counts against the
    /// upstream): a closed connection counts once per connection (`noteLost`), anything else
    /// each time.
    func noteFailure(_ error: any Error, on transport: ObjectIdentifier?) {
        if case .closed? = error as? MCPClientError, let transport { noteLost(transport) } else { noteFailure() }
    }

    /// A call failed because the connection through `transport` ended. The calls in flight on
    /// a connection that dies all fail together; that is one failure of the upstream (whose
    /// restarts the supervisor paces), not one per call — else any crash with five calls in
    /// flight would also open the breaker and refuse every call for the cooldown.
    func noteLost(_ transport: ObjectIdentifier) {
        let first = state.withLock { state -> Bool in
            guard state.lostCounted != transport else { return false }
            state.lostCounted = transport
            return true
        }
        if first { noteFailure() }
    }

    func noteFailure() {
        state.withLock { state in
            wireEpoch.setFailures(true)
            state.consecutiveFailures += 1
            if state.consecutiveFailures >= options.breakerThreshold {
                state.openUntil = .now + options.breakerCooldown
                state.consecutiveFailures = 0
                wireEpoch.advance()
            }
        }
    }
}

/// Why an upstream could not serve a call. Messages never include secrets (the launch spec's
/// environment is never printed).
public enum UpstreamError: Error, Sendable, CustomStringConvertible {
    case startFailed(server: String, reason: String)
    case unavailable(server: String, reason: String)
    case circuitOpen(server: String)
    case timedOut(server: String, after: Duration)

    public var description: String {
        switch self {
        case .startFailed(let server, let reason): "upstream \(server) failed to start: \(reason)"
        case .unavailable(let server, let reason): "upstream \(server) is unavailable: \(reason)"
        case .circuitOpen(let server): "upstream \(server) is failing repeatedly; calls are paused for a while (circuit open)"
        case .timedOut(let server, let after): "upstream \(server) did not answer within \(after)"
        }
    }
}

/// A counter that moves whenever an upstream connection's `wire` may answer differently. Its
/// own object, which nothing refers to weakly: a relay holds it and reads it per call without
/// touching the connection (whose retains take the runtime's slow path).
public final class WireEpoch: Sendable {
    private let counter = Atomic<UInt64>(0)
    private let failures = Atomic<Bool>(false)

    public var value: UInt64 { counter.load(ordering: .acquiring) }

    /// Whether there are failures or an open breaker for `noteSuccess` to reset (so that the
    /// common success takes no lock).
    public var hasFailures: Bool { failures.load(ordering: .acquiring) }

    func advance() { counter.add(1, ordering: .releasing) }

    func setFailures(_ value: Bool) { failures.store(value, ordering: .releasing) }
}

/// Breaks the init-time reference cycle between the supervisor's hooks and the connection.
private final class WeakBox: @unchecked Sendable {
    weak var connection: UpstreamConnection?
}

/// Runs `body`, failing with a timeout after `limit`. Only for rare operations (connecting): it
/// parks a sleeping task for `limit`, which must not happen per request on a hot path.
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw UpstreamError.timedOut(server: "", after: limit)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
