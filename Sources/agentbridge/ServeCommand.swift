import CLIKit
import Dispatch
import Foundation
import HTTPClient
import HTTPServer
import MCPHTTP
import Bridge
import MCPServer
import Platform
import PlatformMCP
import Storage
import ReferenceServer
import Runtime
import Synchronization

/// `agentbridge serve`: the platform over MCP HTTP (both eras on `/mcp`, the 2024-11-05
/// transport on `/sse` + `/messages`), each agent's gateway on `/mcp/agents/<id>`, plus
/// `/healthz` and `/readyz`.
enum ServeCommand {
    static let command = Command(
        name: "serve",
        abstract: "Serve MCP over HTTP.",
        discussion: """
            Both eras on /mcp (2026-07-28 self-contained POSTs; handshake sessions with Mcp-Session-Id), \
            the 2024-11-05 HTTP+SSE transport on /sse and /messages, each agent's governed upstream tools on /mcp/agents/<id>, /healthz and /readyz. Loopback binds \
            only accept loopback Host and Origin headers (DNS-rebinding protection).
            """,
        options: [
            Option("listen", valueName: "host:port", help: "Address to listen on (repeatable; [::1]:8080 for IPv6).", defaultValue: "127.0.0.1:8080", repeatable: true, environment: "AGENTBRIDGE_LISTEN"),
            Option("auth", valueName: "mode", help: "How /mcp authenticates: keys (API keys from the database, needing mcp:tools), token (--token), none (development only).", defaultValue: "keys", environment: "AGENTBRIDGE_AUTH"),
            Option("manifests", valueName: "path", help: "Apply these manifests (a file or a directory of *.json) at start; default ./Manifests when it exists. 'none' skips.", environment: "AGENTBRIDGE_MANIFESTS"),
            Option("token", valueName: "secret", help: "Require this static bearer token instead of API keys (implies --auth token).", environment: "AGENTBRIDGE_TOKEN"),
            Option("allow-origin", valueName: "origin", help: "Extra allowed Origin (repeatable).", repeatable: true),
            Option("allow-host", valueName: "host", help: "Allowed Host header (repeatable); disables the loopback default.", repeatable: true),
            Option("loops", valueName: "n", help: "Event-loop threads (default: available CPUs)."),
            Option("max-body-bytes", valueName: "bytes", help: "Largest request body.", defaultValue: String(4 << 20)),
            Option("max-header-bytes", valueName: "bytes", help: "Largest request head.", defaultValue: "16384"),
            Option("max-header-count", valueName: "n", help: "Most header fields in one request (431 beyond).", defaultValue: "100"),
            Option("max-json-depth", valueName: "n", help: "Deepest nesting of a JSON body (a parse error beyond).", defaultValue: "128"),
            Option("max-connections", valueName: "n", help: "Open connections before new ones are refused.", defaultValue: "1024"),
            Option("header-timeout", valueName: "seconds", help: "From a request's first byte (or accept) to the end of its head; 408 beyond (slow clients).", defaultValue: "10"),
            Option("body-timeout", valueName: "seconds", help: "From the end of the head to the last body byte; 408 beyond.", defaultValue: "30"),
            Option("idle-timeout", valueName: "seconds", help: "How long a keep-alive connection may wait for its next request.", defaultValue: "60"),
            Option("write-timeout", valueName: "seconds", help: "How long a response may make no progress towards a client that does not read.", defaultValue: "30"),
            Option("session-idle-timeout", valueName: "seconds", help: "Legacy sessions idle this long are ended.", defaultValue: "1800"),
            Option("upstream-session-idle", valueName: "seconds", help: "A per_session upstream (one process per platform session) is stopped after this long without calls.", defaultValue: "600"),
            Option("page-size", valueName: "n", help: "Items per page of every list.", defaultValue: "100"),
            Option("approval-timeout", valueName: "seconds", help: "How long an approval (of an agent run's or a gateway caller's request_confirmation call) waits for a decision before it expires, which denies the call.", defaultValue: "3600"),
            PlatformSurface.option,
            UpstreamNetworks.option,
            Option("rate-limit", valueName: "n", help: "Requests per minute for API keys without their own limit (keys create --rate-limit); default: no limit.", environment: "AGENTBRIDGE_RATE_LIMIT"),
            Option("failed-auth-limit", valueName: "n", help: "Failed authentications per minute one client address may make before it is refused with 429 (key guessing).", defaultValue: "30"),
        ],
        flags: [
            Flag("no-access-log", help: "Do not write an access log line per request to stderr."),
            Flag("no-relay", help: "Send every tools/call of /mcp/agents/<id> through the engine instead of the tool-call relay that forwards plain calls to stdio upstreams without building JSON trees (for comparison; the answers are the same)."),
            Flag("handlers-on-pool", help: "Run request handlers on Swift's shared pool instead of on the event-loop threads (the default saves two thread hand-offs per request; this keeps a slow handler from delaying its loop's other connections)."),
        ])

    static func run(_ args: ParsedArguments, version: String) async throws -> Int32 {
        var http = HTTPServer.Configuration()
        http.addresses = args.values("listen")
        http.loopCount = try args.int("loops", in: 1...64)
        http.maxBodyBytes = try args.int("max-body-bytes", in: 1024...(1 << 30)) ?? http.maxBodyBytes
        http.maxHeaderBytes = try args.int("max-header-bytes", in: 1024...(1 << 20)) ?? http.maxHeaderBytes
        http.maxConnections = try args.int("max-connections", in: 1...1_000_000) ?? http.maxConnections
        http.maxHeaderCount = try args.int("max-header-count", in: 1...10_000) ?? http.maxHeaderCount
        http.headerTimeout = try args.seconds("header-timeout", in: 0.01...3600) ?? http.headerTimeout
        http.bodyTimeout = try args.seconds("body-timeout", in: 0.01...3600) ?? http.bodyTimeout
        http.idleTimeout = try args.seconds("idle-timeout", in: 0.01...86400) ?? http.idleTimeout
        http.writeStallTimeout = try args.seconds("write-timeout", in: 0.01...3600) ?? http.writeStallTimeout
        let jsonDepth = try args.int("max-json-depth", in: 2...10_000) ?? 128
        http.accessLog = !args.flag("no-access-log")
        http.handlersOnLoops = !args.flag("handlers-on-pool")
        for address in http.addresses where SocketAddress(parsing: address) == nil {
            throw args.usageError("invalid --listen address '\(address)'; expected host:port such as 127.0.0.1:8080 or [::1]:8080")
        }
        let pageSize = try args.int("page-size", in: 1...100_000) ?? 100
        let idle = try args.int("session-idle-timeout", in: 1...604_800) ?? 1800

        var mcp = MCPHTTPEndpoint.Configuration()
        mcp.sessionIdleTimeout = .seconds(idle)
        mcp.jsonLimits = .init(maxDepth: jsonDepth, maxBytes: http.maxBodyBytes)
        let database = try PlatformSchema.open(path: try databasePath(args))
        try applyManifests(args, database: database)
        let keys = APIKeyStore(database: database)
        let workspace = args.value("workspace") ?? Workspace.defaultID
        let token = args.value("token").flatMap { $0.isEmpty ? nil : $0 }
        // Who a platform request acts as: the verified key (remembered by the authenticator on
        // every request), or — with a static token or no authentication — the local
        // administrator of the workspace.
        let principals: PrincipalDirectory
        let limits = KeyRateLimits(
            defaultLimit: try args.int("rate-limit", in: 1...1_000_000),
            failedAuthPerMinute: try args.int("failed-auth-limit", in: 1...1_000_000) ?? 30, database: database)
        switch token != nil ? "token" : (args.value("auth") ?? "keys") {
        case "keys":
            let directory = PrincipalDirectory()
            mcp.authenticator = apiKeyAuthenticator(keys, limits: limits) { directory.remember($0) }
            principals = directory
            try announceFirstAdminKey(keys, workspace: workspace)
        case "token":
            guard let token else { throw args.usageError("--auth token needs --token <secret>") }
            mcp.authenticator = .staticToken(token)
            principals = PrincipalDirectory(fixed: .local(workspace: workspace))
        case "none":
            mcp.authenticator = .none
            principals = PrincipalDirectory(fixed: .local(workspace: workspace))
        case let other: throw args.usageError("invalid --auth '\(other)'; expected keys, token or none")
        }

        // Per-agent gateways need to know the caller's workspace, which only API keys (or no
        // authentication at all, for local development) can say.
        let environment = ProcessInfo.processInfo.environment
        let vault = try CredentialStore(
            database: database, masterKey: try MasterKey.load(databasePath: database.path, environment: environment))
        let registry = UpstreamRegistry(
            vault: vault, environment: environment, addressPolicy: try UpstreamNetworks.policy(args, environment: environment),
            sessionIdle: try args.seconds("upstream-session-idle", in: 0.05...86400) ?? .seconds(600), adoptOrphans: true)
        // Agent runs: resume what a previous process left unfinished, and keep adopting runs
        // whose process went away (a CLI run that stopped at an approval).
        var runtimeConfiguration = RuntimeConfiguration()
        runtimeConfiguration.environment = environment
        runtimeConfiguration.approvalTimeout = .seconds(try args.int("approval-timeout", in: 1...604_800) ?? 3600)
        runtimeConfiguration.log = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        let runtime = AgentRuntime(
            database: database, registry: registry, vault: vault, models: StandardModelClientFactory.live(http: HTTPClient()), configuration: runtimeConfiguration)
        // Everything that can refuse to start is asked before recovery can start upstreams, or
        // stops them (and any orphans they left) before the error is reported.
        let wantsReference = try PlatformSurface.wantsReference(args)
        runtime.recover()
        runtime.superviseOrphans(every: .seconds(5))
        let server = wantsReference
            ? ReferenceServer.make(version: version, configuration: .init(pageSize: pageSize))
            : PlatformSurface.server(
                database: database, principals: principals, registry: registry, runtime: runtime, origin: .http, version: version, pageSize: pageSize)
        let endpoint = MCPHTTPEndpoint(server: server, configuration: mcp)
        let agents: AgentEndpoints? = token == nil
            ? AgentEndpoints(database: database, keys: keys, limits: limits, registry: registry, base: mcp, version: version, pageSize: pageSize,
                             requireKeys: (args.value("auth") ?? "keys") == "keys", relayCalls: !args.flag("no-relay"),
                             approvalTimeout: runtimeConfiguration.approvalTimeout)
            : nil
        let router = HTTPRouter()
        let ready = ReadyFlag()
        router.add("GET", "/healthz") { _ in .text(200, "ok\n") }
        router.add("GET", "/readyz") { _ in ready.isReady ? .text(200, "ready\n") : .text(503, "shutting down\n") }
        endpoint.install(on: router)
        agents?.install(on: router)
        let httpServer = HTTPServer(configuration: http, handler: router.handler)
        let bound: [SocketAddress]
        do {
            bound = try httpServer.start()
        } catch {
            await runtime.shutdown()
            await registry.stopAll()
            throw error
        }
        // The loops that answer the gateway's callers also read its stdio upstreams' answers.
        registry.readOutput(on: httpServer)

        // DNS-rebinding protection: loopback binds accept loopback names only, unless told otherwise.
        let hosts = args.values("allow-host").filter { !$0.isEmpty }
        if !hosts.isEmpty {
            endpoint.setOriginPolicy(OriginPolicy(allowedHosts: Set(hosts), allowedOrigins: nil))
            agents?.setOriginPolicy(OriginPolicy(allowedHosts: Set(hosts), allowedOrigins: nil))
        } else if bound.allSatisfy({ ["127.0.0.1", "::1", "localhost"].contains($0.host) }) {
            var policy = OriginPolicy(allowedHosts: [], allowedOrigins: [])
            for a in bound {
                let p = OriginPolicy.loopback(port: a.port, extraOrigins: args.values("allow-origin"))
                policy.allowedHosts!.formUnion(p.allowedHosts!)
                policy.allowedOrigins!.formUnion(p.allowedOrigins!)
            }
            endpoint.setOriginPolicy(policy)
            agents?.setOriginPolicy(policy)
        }
        ready.isReady = true
        for a in bound { FileHandle.standardError.write(Data("agentbridge: serving MCP on http://\(a)/mcp\n".utf8)) }

        await waitForTerminationSignal()
        ready.isReady = false
        FileHandle.standardError.write(Data("agentbridge: shutting down\n".utf8))
        endpoint.close()
        agents?.close()
        await httpServer.shutdown(gracePeriod: .seconds(10))
        await runtime.shutdown()
        await registry.stopAll()
        _ = try? keys.flushLastUsed()
        return 0
    }

    /// Applies `--manifests` (or ./Manifests when present) before serving, so the server starts
    /// with the configured agents and upstreams; an invalid set stops the start with its problems.
    static func applyManifests(_ args: ParsedArguments, database: Database) throws {
        var path = args.value("manifests")
        if path == nil {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "Manifests", isDirectory: &isDirectory), isDirectory.boolValue { path = "Manifests" }
        }
        guard let path, path != "none", !path.isEmpty else { return }
        let workspace = args.value("workspace") ?? Workspace.defaultID
        let changes = try ApplyCommand.apply(
            paths: [path], database: database, caller: .local(.manifest, workspace: workspace), dryRun: false,
            environment: ProcessInfo.processInfo.environment) ?? []
        let summary = ApplyCommand.report(changes).split(separator: "\n").last.map(String.init) ?? ""
        FileHandle.standardError.write(Data("agentbridge: applied \(path): \(summary)\n".utf8))
    }

    static func databasePath(_ args: ParsedArguments) throws -> String {
        let path = args.value("db") ?? "./agentbridge.sqlite"
        guard !path.isEmpty else { throw args.usageError("--db must not be empty") }
        return path
    }

    /// API keys from the platform database: the key must authenticate (not unknown, revoked or
    /// expired — checked on every request, so a revocation takes effect at once) and hold
    /// `mcp:tools`, which `Policy` decides like for every other surface. The principal handed to
    /// the MCP layer is the key id (it binds sessions and request state to the key).
    static func apiKeyAuthenticator(_ keys: APIKeyStore, limits: KeyRateLimits,
                                    verified: @escaping @Sendable (Principal) -> Void = { _ in }) -> Authenticator {
        Authenticator({ request in
            let (principal, outcome) = authenticateKey(request, keys, limits: limits)
            if let principal { verified(principal) }
            return outcome
        }, responseHeaders: { limits.headers(for: $0) })
    }

    /// On the first start of a workspace without any API key, creates an admin key and prints it
    /// once (to stderr): the quick start's way in. Later starts print nothing.
    static func announceFirstAdminKey(_ keys: APIKeyStore, workspace: String) throws {
        guard try keys.list(workspace: workspace).isEmpty else { return }
        let (key, secret) = try keys.create(workspace: workspace, name: "first-admin", scopes: [.admin])
        FileHandle.standardError.write(Data("""
            agentbridge: created the first API key of workspace \(workspace) (admin; shown only this once):
              \(secret)
            agentbridge: use it as 'Authorization: Bearer <key>'; manage keys with 'agentbridge keys' (this one is \(key.id)).

            """.utf8))
    }

    /// The principal of the API key `request` presents, and the authentication outcome: the
    /// principal's key id, or the refusal (401 for a missing/unknown/expired/revoked key, 403
    /// without `mcp:tools`, as `Policy` decides).
    static func authenticateKey(_ request: HTTPRequest, _ keys: APIKeyStore, limits: KeyRateLimits) -> (principal: Principal?, outcome: Authenticator.Outcome) {
        // An address that keeps presenting wrong keys is refused before any lookup.
        if let refusal = limits.failures.refusal(request) { return (nil, refusal) }
        guard let presented = Authenticator.presentedToken(request) else {
            return (nil, .rejected(reason: "missing API key (send Authorization: Bearer <key> or X-API-Key)"))
        }
        let principal: Principal?
        do {
            principal = try keys.authenticate(secret: presented)
        } catch {
            return (nil, .rejected(reason: "the key could not be checked"))
        }
        guard let principal else {
            limits.failures.recordFailure(request, reason: "invalid, expired or revoked API key")
            return (nil, .rejected(reason: "invalid, expired or revoked API key"))
        }
        if case .deny(let denial) = Policy.authorize(principal, action: .useMCP, object: nil), case .missingScope(let scope) = denial {
            return (nil, .forbidden(scope: scope.rawValue))
        }
        if let refusal = limits.admit(principal, request) { return (nil, refusal) }
        return (principal, .principal(principal.actorID))
    }

    /// Suspends until SIGINT or SIGTERM.
    static func waitForTerminationSignal() async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let queue = DispatchQueue(label: "signals")
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            var sources: [DispatchSourceSignal] = []
            for sig in [SIGINT, SIGTERM] {
                let s = DispatchSource.makeSignalSource(signal: sig, queue: queue)
                s.setEventHandler { if once.claim() { c.resume() } }
                s.resume()
                sources.append(s)
            }
            SignalSources.keep(sources)
        }
    }
}


final class ReadyFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isReady: Bool {
        get { flag.load(ordering: .acquiring) }
        set { flag.store(newValue, ordering: .releasing) }
    }
}

final class OnceFlag: Sendable {
    private let done = Atomic<Bool>(false)
    func claim() -> Bool { done.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged }
}


/// Keeps signal sources alive for the life of the process.
enum SignalSources {
    nonisolated(unsafe) static var all: [DispatchSourceSignal] = []
    static func keep(_ s: [DispatchSourceSignal]) { all += s }
}
