import Bridge
import CLIKit
import Foundation
import JSON
import MCP
import MCPServer
import MCPStdio
import Platform
import PlatformMCP
import Runtime
import HTTPClient

/// The gateway surfaces: `agentbridge stdio --agent A` serves exactly agent A's governed upstream
/// tools over stdio (both eras), as the local administrator of `--workspace` or, with a key in
/// `$AGENTBRIDGE_KEY`, as that key (admitted as `/mcp/agents/{id}` admits it). Upstream children
/// are started on first use and stopped (EOF → SIGTERM → SIGKILL, whole process group) when the
/// client goes away or stops us with SIGINT/SIGTERM (`StdioShutdown`).
enum GatewayCommand {
    static func runStdio(_ args: ParsedArguments, agentID: String, pageSize: Int, limits: StdioServer.Limits, version: String,
                         relayed: Bool = true) async throws -> Int32 {
        let keyCheck = try keyCheckInterval(args)
        let context = try PlatformContext(args, origin: .stdio)
        let environment = ProcessInfo.processInfo.environment
        // The same admission as `/mcp/agents/{id}`: a key in $AGENTBRIDGE_KEY must be valid, hold
        // `mcp:tools` and may use this agent; without one the process acts as the local user.
        let principal = try PlatformSurface.stdioPrincipal(
            keys: APIKeyStore(database: context.database), workspace: context.caller.workspaceID, environment: environment)
        if case .deny(let denial) = Policy.authorize(principal, action: .useMCP, object: nil), case .missingScope(let scope) = denial {
            throw PlatformError.invalid("$\(PlatformSurface.keyVariable)", "lacks the \(scope.rawValue) scope that serving an agent's tools needs")
        }
        // A key restricted to other agents learns no more than over HTTP: the agent is not found.
        guard principal.mayUse(agent: agentID) else { throw PlatformError.notFound(kind: .agent, id: agentID) }
        let caller = Caller(principal: .local(workspace: principal.workspaceID), origin: .stdio)
        let agent = try AgentStore(database: context.database).get(caller: caller, id: agentID)
        let masterKey = try MasterKey.load(databasePath: context.database.path, environment: environment)
        let vault = try CredentialStore(database: context.database, clock: context.clock, masterKey: masterKey)
        let registry = UpstreamRegistry(vault: vault, environment: environment, addressPolicy: try UpstreamNetworks.policy(args, environment: environment),
                                       adoptOrphans: true)
        let server = MCPServer(
            info: Implementation(name: "agentbridge", version: version, title: "AgentBridge — agent \(agent.id)"),
            options: .init(pageSize: pageSize, instructions: agent.spec.description))
        let provider = AgentCatalogProvider(
            database: context.database, caller: caller, agentID: agent.id, registry: registry,
            approvalTimeout: .seconds(try args.int("approval-timeout", in: 1...604_800) ?? 3600),
            log: { line in FileHandle.standardError.write(Data((line + "\n").utf8)) },
            toolsChanged: { [weak server] in server?.publish(.toolsChanged) })
        server.setCatalogProvider(provider)
        provider.startUpstreams()
        let lane = relayed ? relayLane(provider: provider, serverInfo: server.info.json, limits: limits.json) : nil
        let shutdown = StdioShutdown { await registry.stopAll() }
        let watch = keyWatch(every: keyCheck, context: context, environment: environment, shutdown: shutdown)
        await shutdown.serve {
            await StdioServer.run(server, principal: principal.actorID, limits: limits, lane: lane)
        }
        watch?.cancel()
        return 0
    }

    /// The tool-call relay as the stdio server's lane (see `ToolCallRelay`).
    static func relayLane(provider: AgentCatalogProvider, serverInfo: JSONValue, limits: JSONParser.Limits) -> StdioServer.LaneFactory {
        { (connection: ServerConnection, emit: @escaping @Sendable ([UInt8]) -> Void) -> StdioServer.Lane in
            let relay = ToolCallRelay(agent: ToolCallRelay.Agent(provider: provider, serverInfo: serverInfo), connection: connection, limits: limits, emit: emit)
            return StdioServer.Lane(
                offer: { line in relay.offer(line) },
                batchEnd: { relay.flush() },
                finish: { grace in await relay.finish(grace: grace) })
        }
    }

    /// `agentbridge stdio`: the platform surface over stdio, as the local administrator of
    /// `--workspace` or as the key in `AGENTBRIDGE_KEY`.
    static func runPlatformStdio(_ args: ParsedArguments, pageSize: Int, limits: StdioServer.Limits, version: String) async throws -> Int32 {
        let keyCheck = try keyCheckInterval(args)
        let context = try PlatformContext(args, origin: .stdio)
        let environment = ProcessInfo.processInfo.environment
        let principal = try PlatformSurface.stdioPrincipal(
            keys: APIKeyStore(database: context.database), workspace: context.caller.workspaceID, environment: environment)
        let masterKey = try MasterKey.load(databasePath: context.database.path, environment: environment)
        let vault = try CredentialStore(database: context.database, clock: context.clock, masterKey: masterKey)
        let registry = UpstreamRegistry(vault: vault, environment: environment, addressPolicy: try UpstreamNetworks.policy(args, environment: environment),
                                       adoptOrphans: true)
        // Runs started here are driven here while the client stays; runs still going when it
        // leaves are interrupted and resumed by `serve` (or `run --resume`).
        var configuration = RuntimeConfiguration()
        configuration.environment = environment
        configuration.log = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        let http = HTTPClient()
        let runtime = AgentRuntime(
            database: context.database, registry: registry, vault: vault, models: StandardModelClientFactory.live(http: http),
            configuration: configuration)
        let server = PlatformSurface.server(
            database: context.database, principals: PrincipalDirectory(fixed: principal), registry: registry, runtime: runtime,
            origin: .stdio, version: version, pageSize: pageSize)
        let shutdown = StdioShutdown {
            await runtime.shutdown()
            await registry.stopAll()
            await http.shutdown()
        }
        let watch = keyWatch(every: keyCheck, context: context, environment: environment, shutdown: shutdown)
        await shutdown.serve {
            await StdioServer.run(server, limits: limits)
        }
        watch?.cancel()
        return 0
    }

    /// `--key-check`, read before anything is started so that a bad value stops nothing.
    private static func keyCheckInterval(_ args: ParsedArguments) throws -> Duration {
        .seconds(try args.int("key-check", in: 1...86_400) ?? 5)
    }

    /// With a key in `$AGENTBRIDGE_KEY`, re-checks it every `interval` and stops the process
    /// (exit status 77) once it is revoked, expired or deleted — as the next HTTP request with
    /// that key would be refused.
    private static func keyWatch(every interval: Duration, context: PlatformContext, environment: [String: String],
                                 shutdown: StdioShutdown) -> Task<Void, Never>? {
        KeyWatch.start(
            keys: APIKeyStore(database: context.database), secret: environment[PlatformSurface.keyVariable],
            interval: interval,
            lost: { reason in await shutdown.end(reason: reason, status: KeyWatch.exitStatus) })
    }
}
