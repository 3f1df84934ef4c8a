import Bridge
import CLIKit
import Foundation
import MCP
import MCPServer
import Platform
import PlatformMCP
import ReferenceServer
import Runtime
import Storage

/// What `/mcp` and `agentbridge stdio` serve: the platform (agents, sessions, runs, approvals
/// and upstreams as tools, resources and prompts, filtered by the caller's key), or the bundled
/// reference server (`--surface reference`: the conformance fixtures, for interoperability tests
/// and benchmarks that compare MCP stacks rather than the platform).
enum PlatformSurface {
    static let option = Option(
        "surface", valueName: "name",
        help: "What to serve: platform (the agent platform's tools, resources and prompts) or reference (the bundled conformance fixture server).",
        defaultValue: "platform", environment: "AGENTBRIDGE_SURFACE")

    /// The environment variable that makes `agentbridge stdio` act with exactly one API key's
    /// rights instead of as the local administrator (an environment variable, never a flag that
    /// shows in `ps`).
    static let keyVariable = "AGENTBRIDGE_KEY"

    /// Whether `args` ask for the reference server.
    static func wantsReference(_ args: ParsedArguments) throws -> Bool {
        switch args.value("surface") ?? "platform" {
        case "platform": return false
        case "reference": return true
        case let other: throw args.usageError("invalid --surface '\(other)'; expected platform or reference")
        }
    }

    /// The MCP server of the platform surface for `principals`, with its catalog installed.
    static func server(database: Database, principals: PrincipalDirectory, registry: UpstreamRegistry, runtime: AgentRuntime,
                       origin: Origin, version: String, pageSize: Int) -> MCPServer {
        let server = MCPServer(
            info: Implementation(name: "agentbridge", version: version, title: "AgentBridge"),
            options: .init(pageSize: pageSize, instructions: "AgentBridge: run agents, follow their runs and decide their approvals. "
                + "list_agents shows what you can run; each agent's instructions are also a prompt."))
        let catalog = PlatformCatalog(
            database: database, principals: principals, registry: registry, runtime: runtime, origin: origin,
            changed: { [weak server] events in for event in events { server?.publish(event) } })
        server.setCatalogProvider(catalog)
        server.setTaskProvider(catalog)
        catalog.watchAgentChanges()
        // Runs this process drives announce their changes to resource subscribers (text deltas
        // excepted: a subscriber re-reads the run, once per step is enough).
        runtime.observeCommittedEvents { runID, sessionID, type in
            guard type != .messageDelta else { return }
            catalog.runChanged(runID: runID, sessionID: sessionID)
        }
        return server
    }

    /// The principal of a stdio process: the key in `AGENTBRIDGE_KEY` when set (which must be
    /// valid), else the local administrator of `workspace`.
    static func stdioPrincipal(keys: APIKeyStore, workspace: String, environment: [String: String]) throws -> Principal {
        guard let secret = environment[keyVariable], !secret.isEmpty else { return .local(workspace: workspace) }
        guard let principal = try keys.authenticate(secret: secret) else {
            throw PlatformError.invalid("$\(keyVariable)", "is not a valid, unexpired and unrevoked API key")
        }
        return principal
    }
}
