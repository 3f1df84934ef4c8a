import CLIKit
import MCPServer
import MCPStdio
import ReferenceServer

/// `agentbridge`: the single binary of the product — the platform over MCP (`stdio`, `serve`),
/// the per-agent gateway (`stdio --agent`, `/mcp/agents/<id>`), the stdio ↔ HTTP bridge
/// (`connect`) and the administration commands.
let version = "0.1.0"

let stdio = Command(
    name: "stdio",
    abstract: "Serve MCP over stdin/stdout (for desktop clients).",
    discussion: "Both protocol eras: 2026-07-28 (stateless) and the initialize handshake (2025-11-25 back to 2024-11-05). Acts as the local administrator, or with exactly the rights of the API key in AGENTBRIDGE_KEY. Logs go to stderr; stdout carries protocol messages only.",
    options: [
        Option("max-line-bytes", valueName: "bytes", help: "Longest accepted message line.", defaultValue: String(4 << 20), environment: "AGENTBRIDGE_MAX_LINE_BYTES"),
        Option("page-size", valueName: "n", help: "Items per page of every list.", defaultValue: "100"),
        Option("max-json-depth", valueName: "n", help: "Deepest accepted JSON nesting.", defaultValue: "128"),
        Option("max-in-flight", valueName: "n", help: "Requests running at once; beyond it stdin is not read until one finishes.", defaultValue: "256"),
        Option("agent", valueName: "id", help: "Serve this agent's governed upstream tools (its bindings) instead of the platform.", environment: "AGENTBRIDGE_AGENT"),
        Option("approval-timeout", valueName: "seconds", help: "With --agent: how long a request_confirmation call waits for its approval before it expires and the call is refused.", defaultValue: "3600"),
        Option("key-check", valueName: "seconds", help: "With a key in AGENTBRIDGE_KEY: how often it is checked again; once it is revoked, expired or deleted the process stops with status 77.", defaultValue: "5"),
        PlatformSurface.option,
    ],
    flags: [
        Flag("no-relay", help: "With --agent: send every tools/call through the engine instead of the relay that forwards plain calls on the reader threads (for comparison; the answers are the same)."),
    ])

let referenceServer = Command(
    name: "reference-server",
    abstract: "Run the built-in MCP reference server over stdio (a fixture for demos and tests).",
    discussion: "The same server as mcp-reference-server, bundled so manifests can start it as an upstream with \"command\": \"${agentbridge}\", \"args\": [\"reference-server\"].",
    options: [
        Option("tools", valueName: "n", help: "Benchmark tools to register: echo plus tool_001…tool_<n-1>.", defaultValue: "100"),
    ])

let root = Command(
    name: "agentbridge",
    abstract: "An agent platform served over the Model Context Protocol, and an MCP gateway.",
    options: [PlatformContext.databaseOption, PlatformContext.workspaceOption],
    flags: [PlatformContext.jsonFlag],
    subcommands: [
        stdio, ServeCommand.command, RunCommand.command, ConnectCommand.command, ApplyCommand.command, KeysCommand.command, AgentsCommand.command, AgentsCommand.serversCommand,
        CredentialsCommand.command, RunsCommand.sessionsCommand, RunsCommand.runsCommand, RunsCommand.approvalsCommand,
        ExplainCommand.command, AuditCommand.command, WorkspacesCommand.command, DoctorCommand.command, referenceServer,
    ])

await CLI.main(root: root, version: version) { args in
    switch args.commandPath.last {
    case "stdio":
        let maxLine = try args.int("max-line-bytes", in: 1024...(1 << 30)) ?? (4 << 20)
        let pageSize = try args.int("page-size", in: 1...100_000) ?? 100
        let depth = try args.int("max-json-depth", in: 2...10_000) ?? 128
        let inFlight = try args.int("max-in-flight", in: 1...100_000) ?? 256
        let limits = StdioServer.Limits(maxLineBytes: maxLine, json: .init(maxDepth: depth, maxBytes: maxLine), maxInFlight: inFlight)
        if let agentID = args.value("agent") {
            return try await GatewayCommand.runStdio(args, agentID: agentID, pageSize: pageSize, limits: limits, version: version,
                                                     relayed: !args.flag("no-relay"))
        }
        if try PlatformSurface.wantsReference(args) {
            await StdioServer.run(ReferenceServer.make(version: version, configuration: .init(pageSize: pageSize)), limits: limits)
            return 0
        }
        return try await GatewayCommand.runPlatformStdio(args, pageSize: pageSize, limits: limits, version: version)
    case "reference-server":
        let tools = try args.int("tools", in: 1...10_000) ?? 100
        await StdioServer.run(ReferenceServer.make(version: version, configuration: .init(benchmarkTools: tools)))
        return 0
    case "serve":
        return try await ServeCommand.run(args, version: version)
    case "run":
        return try await RunCommand.run(args)
    case "connect":
        return try await ConnectCommand.run(args)
    case "doctor":
        return try DoctorCommand.run(args)
    default:
        break
    }
    switch args.commandPath.dropFirst().first {
    case "keys":
        return try KeysCommand.run(args)
    case "audit":
        return try AuditCommand.run(args)
    case "apply":
        return try ApplyCommand.run(args)
    case "explain":
        return try ExplainCommand.run(args)
    case "agents":
        return try AgentsCommand.run(args)
    case "workspaces":
        return try WorkspacesCommand.run(args)
    case "servers":
        return try AgentsCommand.runServers(args)
    case "credentials":
        return try CredentialsCommand.run(args)
    case "sessions":
        return try RunsCommand.runSessions(args)
    case "runs":
        return try RunsCommand.runRuns(args)
    case "approvals":
        return try RunsCommand.runApprovals(args)
    default:
        throw args.usageError("missing subcommand")
    }
}
