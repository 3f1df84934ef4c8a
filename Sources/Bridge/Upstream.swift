// Upstream: what the gateway needs from one live upstream MCP server, whatever its transport — a
// supervised stdio child (`UpstreamConnection`) or a Streamable HTTP endpoint (`HTTPUpstream`).
// The governed layer (`AgentCatalogProvider`) lists, calls, reads and stops.

import JSON
import MCPClient
import Supervision

/// A live upstream MCP server.
public protocol Upstream: Sendable {
    /// Which connection this is.
    var key: UpstreamKey { get }
    /// The tool catalog (cached; refreshed after a change notification, a reconnect or a TTL).
    func tools(timeout: Duration) async throws -> [MCPToolDefinition]
    /// The names in the cached catalog, without I/O (nil when nothing is cached).
    var cachedToolNames: [String]? { get }
    /// Calls `name` on the upstream, failing after `timeout`; what the upstream asks during the
    /// call (elicitation, sampling, roots) goes to `input` (see `InputRouter`). A 2026 upstream is
    /// told only the input capabilities that `callerCapabilities` (those of the client the call
    /// is made for; empty when nobody can answer) has too, so it does not ask what would only be
    /// declined.
    func callTool(_ name: String, arguments: JSONObject, timeout: Duration,
                  progress: (@Sendable (MCPProgress) -> Void)?, input: InputRouter.Sink?, callerCapabilities: JSONObject) async throws -> MCPToolCallResult
    /// Runs `body` with the connected client (connecting when needed, within `timeout`), for
    /// requests beyond tools — prompts, resources, completion. A connection found lost is made
    /// again once when the request cannot have run (an expired legacy session).
    func withClient<T: Sendable>(timeout: Duration, _ body: @Sendable (MCPClient) async throws -> T) async throws -> T
    /// Up, degraded or down, with the reason and since when: a stdio child's supervision, or an
    /// HTTP endpoint's recent answers and circuit breaker.
    var health: Supervisor.Health { get }
    /// Ends the connection (and, for a child process, the process).
    func stop() async
    /// Runs `handler` whenever the upstream's tool list changed.
    func onToolsChanged(_ handler: @escaping @Sendable () -> Void)
    /// The credential values this upstream was given, to be kept out of what it sends back.
    var secrets: UpstreamSecrets { get }
    /// The era its current connection negotiated; nil while it has none.
    var era: MCPEra? { get }
}

extension UpstreamConnection: Upstream {}

extension MCPClient {
    /// What a 2026 request made for a caller with `callerCapabilities` declares: this client's
    /// own input capabilities, kept only where the caller has the same one.
    func capabilities(forCaller callerCapabilities: JSONObject) -> JSONObject {
        JSONObject(declaredCapabilities.filter { callerCapabilities[$0.key] != nil })
    }
}
