// UpstreamRegistry: the live upstream connections of one agentbridge process, created on first
// use from the stored server configuration (command placeholder resolved, a minimal environment
// plus the configured variables with `${credential:NAME}` resolved from the vault), shared
// according to each server's sharing mode, and stopped together at shutdown.

import Foundation
import HTTPClient
import Platform
import Supervision
import Synchronization

/// All live upstream connections.
public final class UpstreamRegistry: Sendable {
    private let connections = Mutex<[UpstreamKey: any Upstream]>([:])
    private let vault: CredentialStore?
    private let environment: [String: String]
    private let options: UpstreamConnection.Options
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
    public init(vault: CredentialStore?, environment: [String: String], options: UpstreamConnection.Options = .init(),
                addressPolicy: AddressPolicy = .any) {
        var configuration = HTTPClient.Configuration()
        configuration.addressPolicy = addressPolicy
        self.http = HTTPClient(configuration: configuration)
        self.vault = vault
        self.environment = environment
        self.options = options
    }

    /// The upstream for `server` as `binding` of `agentID` (in `sessionID`) uses it, created and
    /// started on first use.
    public func upstream(for server: UpstreamServer, binding: BindingSpec, agentID: String, sessionID: String? = nil) throws -> any Upstream {
        if case .http(let endpoint) = server.spec.transport {
            return try httpUpstream(server, endpoint: endpoint, binding: binding, agentID: agentID, sessionID: sessionID)
        }
        let key = UpstreamKey.key(for: server, agentID: agentID, sessionID: sessionID)
        if let existing = connections.withLock({ $0[key] }) { return existing }
        let launch = try launchSpec(for: server)
        let (connection, created) = connections.withLock { map -> (any Upstream, Bool) in
            if let existing = map[key] { return (existing, false) }
            let connection = UpstreamConnection(key: key, launch: launch, options: options)
            map[key] = connection
            return (connection, true)
        }
        if created, let stdio = connection as? UpstreamConnection { stdio.start() }
        return connection
    }

    /// The HTTP upstream for `binding`: the server's headers, then the binding's overrides (an
    /// override replaces a server header of the same name), credentials resolved now. A binding
    /// with its own headers gets a connection of its own (per agent), so agents holding different
    /// credentials never share one.
    func httpUpstream(_ server: UpstreamServer, endpoint: HTTPEndpoint, binding: BindingSpec, agentID: String, sessionID: String?) throws -> any Upstream {
        var key = UpstreamKey.key(for: server, agentID: agentID, sessionID: sessionID)
        if !binding.overrideHeaders.isEmpty, key.scope == nil {
            key = UpstreamKey(workspaceID: key.workspaceID, serverID: key.serverID, scope: "agent:" + agentID)
        }
        if let existing = connections.withLock({ $0[key] }) { return existing }
        var templates = endpoint.headers
        for override in binding.overrideHeaders {
            templates.removeAll { $0.name.lowercased() == override.name.lowercased() }
            templates.append(override)
        }
        var headers: [(String, String)] = []
        for template in templates {
            let value = try template.resolve { name in try self.vault?.secret(workspace: server.workspaceID, name: name) }
            headers.append((template.name, value))
        }
        let upstream = HTTPUpstream(
            key: key, url: endpoint.url, headers: headers, http: http, legacySSE: endpoint.isLegacySSE,
            catalogTTL: options.catalogTTL, callCeiling: options.callCeiling)
        return connections.withLock { map in
            if let existing = map[key] { return existing }
            map[key] = upstream
            return upstream
        }
    }

    /// How to launch a stdio server; throws for unresolvable credential references (naming the
    /// credential, never a value).
    func launchSpec(for server: UpstreamServer) throws -> LaunchSpec {
        guard case .stdio(let launch) = server.spec.transport else {
            throw UpstreamError.unavailable(server: server.id, reason: "not a stdio server")
        }
        var extra: [(String, String)] = []
        for variable in launch.env {
            let value = try variable.value.resolve { name in
                try self.vault?.secret(workspace: server.workspaceID, name: name)
            }
            extra.append((variable.name, value))
        }
        return LaunchSpec(
            command: SelfExecutable.resolve(launch.command), arguments: launch.args,
            environment: ChildProcess.minimalEnvironment(from: environment, extra: extra), workingDirectory: launch.cwd)
    }

    /// Every live connection.
    public var all: [any Upstream] { connections.withLock { Array($0.values) } }

    /// Stops every connection (shutdown sequence for each child, in parallel).
    public func stopAll() async {
        let all = connections.withLock { map -> [any Upstream] in
            defer { map.removeAll() }
            return Array(map.values)
        }
        await withTaskGroup(of: Void.self) { group in
            for connection in all { group.addTask { await connection.stop() } }
        }
        await http.shutdown()
    }
}
