import Bridge
import Foundation
import HTTPServer
import MCP
import MCPHTTP
import MCPServer
import Platform
import Storage
import Synchronization

/// `/mcp/agents/{agent_id}`: one agent's governed upstream tools over MCP HTTP (both eras),
/// for a caller whose API key holds `mcp:tools` and may use that agent. Agent ids are per
/// workspace, so the key's workspace decides which agent the path names; an agent outside the
/// key's workspace or restriction is 404, exactly like one that does not exist. Endpoints are
/// created on first use, one per (workspace, agent), and closed at shutdown.
final class AgentEndpoints: Sendable {
    private let database: Database
    private let keys: APIKeyStore
    private let limits: KeyRateLimits
    private let registry: UpstreamRegistry
    private let base: MCPHTTPEndpoint.Configuration
    private let version: String
    private let pageSize: Int
    private let originPolicy: Mutex<OriginPolicy?> = Mutex(nil)
    private let endpoints = Mutex<[String: (endpoint: MCPHTTPEndpoint, provider: AgentCatalogProvider)]>([:])
    /// `none` or `keys` (a static token cannot say which workspace it belongs to).
    private let requireKeys: Bool
    /// How long a `request_confirmation` call waits for its approval.
    private let approvalTimeout: Duration
    /// One relay for every agent endpoint: they may share an upstream process, whose output
    /// only one relay can watch. Nil sends every call through the engine (`serve --no-relay`).
    private let relay: ToolCallRelay?

    static let prefix = "/mcp/agents"

    init(database: Database, keys: APIKeyStore, limits: KeyRateLimits, registry: UpstreamRegistry, base: MCPHTTPEndpoint.Configuration,
         version: String, pageSize: Int, requireKeys: Bool, relayCalls: Bool = true, approvalTimeout: Duration = .seconds(3600)) {
        self.approvalTimeout = approvalTimeout
        self.relay = relayCalls ? ToolCallRelay(agent: nil, connection: nil, limits: base.jsonLimits) : nil
        self.database = database
        self.keys = keys
        self.limits = limits
        self.registry = registry
        self.base = base
        self.version = version
        self.pageSize = pageSize
        self.requireKeys = requireKeys
    }

    func install(on router: HTTPRouter) {
        router.prefix(Self.prefix) { [self] request in await handle(request) }
    }

    func setOriginPolicy(_ policy: OriginPolicy) {
        originPolicy.withLock { $0 = policy }
        for entry in endpoints.withLock({ Array($0.values) }) { entry.endpoint.setOriginPolicy(policy) }
    }

    func close() {
        for entry in endpoints.withLock({ Array($0.values) }) { entry.endpoint.close() }
    }

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        var request = request
        // /mcp/agents/<id>[/sse|/messages]
        let rest = request.path.utf8.dropFirst(Self.prefix.utf8.count + 1)
        let agentID = String(decoding: rest.prefix { $0 != UInt8(ascii: "/") }, as: UTF8.self)
        guard Identifier.isSlug(agentID) else { return .text(404, "Not Found\n") }
        let principal: Principal
        if requireKeys {
            let (found, outcome) = ServeCommand.authenticateKey(request, keys, limits: limits)
            guard let found else { return MCPHTTPEndpoint.refusal(for: outcome) ?? .text(401, "Unauthorized\n") }
            principal = found
            request.authenticatedPrincipal = found.actorID
        } else {
            principal = .local()
        }
        // Not found unless the key may use this agent and it exists in the key's workspace (the
        // provider's cached read: no database round trip per request).
        guard principal.mayUse(agent: agentID) else { return .text(404, "Not Found: no such agent\n") }
        let key = principal.workspaceID + "/" + agentID
        let entry: (endpoint: MCPHTTPEndpoint, provider: AgentCatalogProvider)
        if let existing = endpoints.withLock({ $0[key] }) {
            entry = existing
        } else {
            // Only an agent that exists gets an endpoint: guessed ids must not grow memory.
            let local = Caller(principal: .local(workspace: principal.workspaceID), origin: .http)
            guard (try? AgentStore(database: database).get(caller: local, id: agentID)) != nil else {
                return .text(404, "Not Found: no such agent\n")
            }
            entry = endpoint(workspace: principal.workspaceID, agentID: agentID)
        }
        guard (try? entry.provider.agent()) != nil else { return .text(404, "Not Found: no such agent\n") }
        return await entry.endpoint.handle(request)
    }

    private func endpoint(workspace: String, agentID: String) -> (endpoint: MCPHTTPEndpoint, provider: AgentCatalogProvider) {
        let key = workspace + "/" + agentID
        if let existing = endpoints.withLock({ $0[key] }) { return existing }
        let server = MCPServer(
            info: Implementation(name: "agentbridge", version: version, title: "AgentBridge — agent \(agentID)"),
            options: .init(pageSize: pageSize))
        let provider = AgentCatalogProvider(
            database: database, caller: .local(.http, workspace: workspace), agentID: agentID, registry: registry,
            approvalTimeout: approvalTimeout,
            log: { line in FileHandle.standardError.write(Data((line + "\n").utf8)) },
            toolsChanged: { [weak server] in server?.publish(.toolsChanged) })
        server.setCatalogProvider(provider)
        var configuration = base
        if requireKeys {
            // `handle` verified the key already and passes on its id: the principal that binds
            // sessions and request state and that approvals name as their requester (the same
            // id `/mcp` uses), with no second database lookup.
            let limits = self.limits
            configuration.authenticator = Authenticator({ request in
                guard let principal = request.authenticatedPrincipal else { return .rejected(reason: "missing API key") }
                return .principal(principal)
            }, responseHeaders: { limits.headers(for: $0) })
        }
        configuration.path = "\(Self.prefix)/\(agentID)"
        configuration.legacySSEPath = "\(Self.prefix)/\(agentID)/sse"
        configuration.legacyMessagesPath = "\(Self.prefix)/\(agentID)/messages"
        let endpoint = MCPHTTPEndpoint(server: server, configuration: configuration)
        if let policy = originPolicy.withLock({ $0 }) { endpoint.setOriginPolicy(policy) }
        if let relay {
            endpoint.setCallLane(ToolCallRelay.Lane(relay: relay, agent: ToolCallRelay.Agent(provider: provider, serverInfo: server.info.json)))
        }
        return endpoints.withLock { map in
            if let existing = map[key] { return existing }
            map[key] = (endpoint, provider)
            return (endpoint, provider)
        }
    }
}
