// UpstreamRegistry: the live upstream connections of one agentbridge process, created on first
// use from the stored server configuration (command placeholder resolved, a minimal environment
// plus the configured variables with `${credential:NAME}` resolved from the vault), shared
// according to each server's sharing mode, and stopped together at shutdown.

import Foundation
import HTTPClient
import HTTPServer
import Platform
import Supervision
import Synchronization

/// All live upstream connections.
///
/// `per_session` servers get a process per platform session; sessions end without telling us,
/// so such a connection is stopped once it has had no call in flight for `sessionIdle` (the
/// next call of that session starts it again). Shared and per-agent connections live until
/// shutdown.
public final class UpstreamRegistry: Sendable {
    private let connections = Mutex<[UpstreamKey: any Upstream]>([:])
    /// Use of the session-scoped connections (lock order: `connections`, then `sessionUse`).
    private let sessionUse = Mutex<[UpstreamKey: SessionUse]>([:])
    private let reaper = Mutex<Task<Void, Never>?>(nil)
    /// How long a session-scoped connection may sit without calls before it is stopped.
    public let sessionIdle: Duration

    struct SessionUse {
        var lastUse: ContinuousClock.Instant
        var calls: Int
    }
    private let vault: CredentialStore?
    private let environment: [String: String]
    private let options: UpstreamConnection.Options
    /// Where connections created from now on read their child's output (see `readOutput(on:)`).
    private let readiness = Mutex<(any ReadinessSource)?>(nil)
    /// One HTTP client (its connection pools) for every HTTP upstream.
    private let http: HTTPClient
    /// Upstream calls waiting for a 2026 caller's answer (see `ParkedCalls`).
    public let parkedCalls = ParkedCalls()

    /// - Parameters:
    ///   - vault: resolves `${credential:NAME}` in environment values (nil: references fail).
    ///   - environment: our own environment, from which only PATH, HOME, LANG, LC_ALL, TZ and
    ///     TMPDIR pass to children.
    ///   - addressPolicy: which networks HTTP upstreams may be on (`.publicOnly` refuses private,
    ///     loopback and link-local addresses: server-side request forgery through an upstream URL).
    ///   - sessionIdle: how long a `per_session` upstream may go without calls before it is stopped.
    /// `adoptOrphans`: make this process the reaper of its upstreams' orphans (see
    /// `OrphanAdoption`), which `stopAll` then ends — for the executables that own the process.
    /// Off in a process that forks other children, such as a test runner.
    public init(vault: CredentialStore?, environment: [String: String], options: UpstreamConnection.Options = .init(),
                addressPolicy: AddressPolicy = .any, sessionIdle: Duration = .seconds(600), adoptOrphans: Bool = false) {
        self.sessionIdle = sessionIdle
        self.adoptsOrphans = adoptOrphans && OrphanAdoption.enable()
        var configuration = HTTPClient.Configuration()
        configuration.addressPolicy = addressPolicy
        self.http = HTTPClient(configuration: configuration)
        self.vault = vault
        self.environment = environment
        self.options = options
    }

    deinit {
        reaper.withLock { $0?.cancel() }
    }

    /// Stdio upstreams started from now on have their output read on `source`'s thread — the
    /// HTTP server's event loop, once it runs — instead of a reader thread each: an answer to
    /// an HTTP caller is then read and sent back without waking another thread (see
    /// `LoopPipeReader`). Upstreams already running keep their reader threads.
    public func readOutput(on source: any ReadinessSource) {
        readiness.withLock { $0 = source }
    }

    /// The upstream for `server` as `binding` of `agentID` (in `sessionID`) uses it, created and
    /// started on first use.
    public func upstream(for server: UpstreamServer, binding: BindingSpec, agentID: String, sessionID: String? = nil) throws -> any Upstream {
        if case .http(let endpoint) = server.spec.transport {
            return try httpUpstream(server, endpoint: endpoint, binding: binding, agentID: agentID, sessionID: sessionID)
        }
        let key = UpstreamKey.key(for: server, agentID: agentID, sessionID: sessionID)
        if let existing = lookup(key) { return existing }
        let launch = try launchSpec(for: server)
        // With credentials in its environment, every restart reads them again: a rotated secret
        // reaches the upstream when its process next starts (an environment cannot change after).
        let vault = self.vault, environment = self.environment
        let rebuild: @Sendable () throws -> LaunchSpec = { try Self.launchSpec(for: server, vault: vault, environment: environment) }
        let prepare = launch.redactions.isEmpty ? nil : rebuild
        var options = self.options
        options.readiness = readiness.withLock { $0 }
        options.connectTimeout = .seconds(server.spec.startupTimeoutSeconds)
        let (connection, created) = insert(key) { UpstreamConnection(key: key, launch: launch, options: options, prepare: prepare) }
        if created, let stdio = connection as? UpstreamConnection { stdio.start() }
        return connection
    }

    /// The connection under `key`, or `make()`'s, registered (session-scoped ones with their use
    /// and the idle reaper) when no other caller registered one first; `created` says whose.
    private func insert(_ key: UpstreamKey, _ make: () -> any Upstream) -> (connection: any Upstream, created: Bool) {
        let result = connections.withLock { map -> (any Upstream, Bool) in
            if let existing = map[key] { return (existing, false) }
            let connection = make()
            map[key] = connection
            if Self.isSessionScoped(key) {
                sessionUse.withLock { $0[key] = SessionUse(lastUse: .now, calls: 0) }
            }
            return (connection, true)
        }
        if result.1, Self.isSessionScoped(key) { ensureReaper() }
        return result
    }

    /// The live connection under `key`, counting as a use when it is session-scoped.
    private func lookup(_ key: UpstreamKey) -> (any Upstream)? {
        connections.withLock { map in
            guard let existing = map[key] else { return nil }
            if Self.isSessionScoped(key) {
                sessionUse.withLock { $0[key]?.lastUse = .now }
            }
            return existing
        }
    }

    /// Whether `key` names a `per_session` connection (stopped when idle).
    public static func isSessionScoped(_ key: UpstreamKey) -> Bool {
        key.scope?.hasPrefix("session:") == true
    }

    /// Runs `body` (a call on the connection under `key`) as a use that keeps a session-scoped
    /// connection from being stopped while it runs.
    public func using<T>(_ key: UpstreamKey, _ body: () async throws -> T) async rethrows -> T {
        guard Self.isSessionScoped(key) else { return try await body() }
        sessionUse.withLock { use in
            use[key, default: SessionUse(lastUse: .now, calls: 0)].calls += 1
        }
        defer {
            sessionUse.withLock { use in
                use[key]?.calls -= 1
                use[key]?.lastUse = .now
            }
        }
        return try await body()
    }

    /// Stops the session-scoped connections that have had no call in flight for `sessionIdle`
    /// (as of `now`); returns their keys. Runs periodically once such a connection exists.
    @discardableResult
    public func stopIdleSessionUpstreams(now: ContinuousClock.Instant = .now) async -> [UpstreamKey] {
        let idle = connections.withLock { map -> [any Upstream] in
            sessionUse.withLock { use -> [any Upstream] in
                let keys = use.filter { $0.value.calls == 0 && now - $0.value.lastUse >= sessionIdle }.map(\.key)
                return keys.compactMap { key in
                    use[key] = nil
                    return map.removeValue(forKey: key)
                }
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for connection in idle { group.addTask { await connection.stop() } }
        }
        return idle.map(\.key)
    }

    private func ensureReaper() {
        reaper.withLock { task in
            guard task == nil else { return }
            let period = max(min(sessionIdle / 4, .seconds(60)), .milliseconds(50))
            task = Task.detached { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: period)
                    guard let self else { return }
                    await self.stopIdleSessionUpstreams()
                }
            }
        }
    }

    /// The HTTP upstream for `binding`: the server's headers, then the binding's overrides (an
    /// override replaces a server header of the same name), credentials resolved for every
    /// request (a rotated credential is used from the next call on). A binding
    /// with its own headers gets a connection of its own (per agent), so agents holding different
    /// credentials never share one.
    func httpUpstream(_ server: UpstreamServer, endpoint: HTTPEndpoint, binding: BindingSpec, agentID: String, sessionID: String?) throws -> any Upstream {
        var key = UpstreamKey.key(for: server, agentID: agentID, sessionID: sessionID)
        if !binding.overrideHeaders.isEmpty, key.scope == nil {
            key = UpstreamKey(workspaceID: key.workspaceID, serverID: key.serverID, scope: "agent:" + agentID)
        }
        if let existing = lookup(key) { return existing }
        var templates = endpoint.headers
        for override in binding.overrideHeaders {
            templates.removeAll { $0.name.lowercased() == override.name.lowercased() }
            templates.append(override)
        }
        let vault = self.vault, workspace = server.workspaceID, sent = templates
        let secrets = UpstreamSecrets()
        let resolve: @Sendable () throws -> [(String, String)] = {
            try sent.map { template in
                (template.name, try template.resolve { name in
                    let value = try vault?.secret(workspace: workspace, name: name)
                    if let value { secrets.record([value]) }
                    return value
                })
            }
        }
        // Resolved now too, so a configuration that cannot resolve fails here, naming the header.
        let resolvedNow = try resolve()
        let fixed: @Sendable () throws -> [(String, String)] = { resolvedNow }
        let headerSource = templates.contains { !$0.credentialNames.isEmpty } ? resolve : fixed
        // The URL's credentials are percent-encoded where they stand, and redacted in both spellings.
        let urlTemplate = endpoint.urlTemplate
        let resolveURL: @Sendable () throws -> String = {
            try urlTemplate.resolve { name in
                guard let value = try vault?.secret(workspace: workspace, name: name) else { return nil }
                secrets.record(UpstreamURL.spellings(of: value))
                return try UpstreamURL.credentialValue(name, value)
            }
        }
        let urlNow = try resolveURL()
        let fixedURL: @Sendable () throws -> String = { urlNow }
        let urlSource = urlTemplate.credentialNames.isEmpty ? fixedURL : resolveURL
        let upstream = HTTPUpstream(
            key: key, urlSource: urlSource, headerSource: headerSource, http: http, legacySSE: endpoint.isLegacySSE,
            catalogTTL: options.catalogTTL, callCeiling: options.callCeiling,
            breakerThreshold: options.breakerThreshold, breakerCooldown: options.breakerCooldown, secrets: secrets)
        return insert(key) { upstream }.connection
    }

    /// How to launch a stdio server; throws for unresolvable credential references (naming the
    /// credential, never a value).
    func launchSpec(for server: UpstreamServer) throws -> LaunchSpec {
        try Self.launchSpec(for: server, vault: vault, environment: environment)
    }

    static func launchSpec(for server: UpstreamServer, vault: CredentialStore?, environment: [String: String]) throws -> LaunchSpec {
        guard case .stdio(let launch) = server.spec.transport else {
            throw UpstreamError.unavailable(server: server.id, reason: "not a stdio server")
        }
        var extra: [(String, String)] = []
        var secrets: [String] = []
        for variable in launch.env {
            let value = try variable.value.resolve { name in
                let secret = try vault?.secret(workspace: server.workspaceID, name: name)
                if let secret { secrets.append(secret) }
                return secret
            }
            extra.append((variable.name, value))
        }
        return LaunchSpec(
            command: SelfExecutable.resolve(launch.command), arguments: launch.args,
            environment: ChildProcess.minimalEnvironment(from: environment, extra: extra), workingDirectory: launch.cwd,
            redactions: secrets)
    }

    /// Every live connection.
    public var all: [any Upstream] { connections.withLock { Array($0.values) } }

    /// The live connections to `serverID` in `workspaceID` (one per scope its sharing mode made),
    /// with their health, ordered by scope.
    public func health(workspaceID: String, serverID: String) -> [(key: UpstreamKey, health: Supervisor.Health)] {
        let live = connections.withLock { map in
            map.filter { $0.key.workspaceID == workspaceID && $0.key.serverID == serverID }
        }
        return live.map { ($0.key, $0.value.health) }.sorted { ($0.key.scope ?? "") < ($1.key.scope ?? "") }
    }

    /// Whether this registry's process adopts its upstreams' orphans.
    let adoptsOrphans: Bool

    /// Stops every connection (shutdown sequence for each child, in parallel), then, when
    /// adopting, ends the orphans that left their upstreams (an upstream that crashed earlier
    /// left its escaped descendants to us; stopping the others left theirs).
    public func stopAll() async {
        reaper.withLock { task in
            task?.cancel()
            task = nil
        }
        sessionUse.withLock { $0.removeAll() }
        let all = connections.withLock { map -> [any Upstream] in
            defer { map.removeAll() }
            return Array(map.values)
        }
        await withTaskGroup(of: Void.self) { group in
            for connection in all { group.addTask { await connection.stop() } }
        }
        if adoptsOrphans { await OrphanAdoption.end() }
        await http.shutdown()
    }
}
