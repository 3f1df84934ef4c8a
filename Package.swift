// swift-tools-version:6.1
// AgentBridge: an agent platform served over the Model Context Protocol, and an MCP gateway.
//
// Targets show the architecture; imports point one way (bottom to top):
//   JSON, Hashing          values and primitives with no protocol words
//   JSONRPC                JSON-RPC 2.0 envelope, classification, the request/response peer
//   MCP                    MCP model: versions, the method table, superset types, errors, shaping
//   MCPServer              the dual-era MCP server engine (dispatch, eras, MRTR, subscriptions)
//   StdioTransport         newline-delimited frames over file descriptors (no MCP words)
//   MCPStdio               binds the engine to stdio: one process, one connection
//   ReferenceServer        the feature-complete fixture server built only on the engine
//   MCPClient              the dual-era MCP client (era negotiation, multi-round input, listen) over any transport
//   CShim, HTTPServer      epoll/eventfd/accept4 shims; our HTTP/1.1 server (no MCP words)
//   HTTPClient             our HTTP/1.1 client: socket pools for http://, URLSession for https://, SSE parser (no MCP words)
//   MCPHTTP                Streamable HTTP (both eras) and the 2024-11-05 HTTP+SSE transport
//   Supervision            child processes for stdio upstreams: spawn, reap, restart, stop (no MCP words)
//   CSQLite, Storage       system SQLite and our safe wrapper: bound parameters, WAL, migrations
//   Platform               the agent platform's domain: workspaces, API keys, scopes, the policy
//   FuzzTargets, Fuzz*     libFuzzer targets for the parsers: fuzz with `.ci/fuzz`; a plain build replays a corpus
//   Runtime                the agent runtime: runs (model ↔ tools loop), approvals, durable resume, live events
//   Models                 model providers behind one streaming protocol: Anthropic, OpenAI-compatible, scripted (no storage words)
//   Bridge                 the gateway: upstream connections (supervised + MCP client), governed agent tool sets
//   CLIKit                 our small argument parser
//   agentbridge, ReferenceServerMain, Benchmarks, StorageProbe   thin executables (the probe is a crash-test fixture)
import PackageDescription

let package = Package(
    name: "agentbridge",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "agentbridge", targets: ["agentbridge"]),
        .executable(name: "mcp-reference-server", targets: ["ReferenceServerMain"]),
        .executable(name: "agentbridge-bench", targets: ["Benchmarks"]),
        .executable(name: "agentbridge-storage-probe", targets: ["StorageProbe"]),
    ],
    targets: [
        .target(name: "JSON"),
        .target(name: "Hashing"),
        .target(name: "JSONRPC", dependencies: ["JSON"]),
        .target(name: "MCP", dependencies: ["JSON", "JSONRPC"]),
        .target(name: "MCPServer", dependencies: ["JSON", "JSONRPC", "MCP", "Hashing"]),
        .target(name: "StdioTransport", dependencies: ["JSON", "JSONRPC"]),
        .target(name: "MCPStdio", dependencies: ["JSON", "JSONRPC", "MCPServer", "StdioTransport"]),
        .target(name: "ReferenceServer", dependencies: ["JSON", "MCP", "MCPServer"]),
        .target(name: "MCPClient", dependencies: ["JSON", "JSONRPC", "MCP", "StdioTransport", "HTTPClient", "HTTPServer"]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "Storage", dependencies: ["CSQLite"]),
        .target(name: "Platform", dependencies: ["Storage", "Hashing", "JSON"]),
        .target(name: "Bridge", dependencies: ["CShim", "JSON", "MCP", "MCPServer", "MCPClient", "HTTPClient", "HTTPServer", "Hashing", "Platform", "Storage", "Supervision"]),
        .target(name: "Models", dependencies: ["JSON", "HTTPClient", "HTTPServer"]),
        .target(name: "FuzzTargets", dependencies: ["JSON", "JSONRPC", "MCP", "MCPServer", "HTTPServer", "HTTPClient", "Platform"]),
        .executableTarget(name: "FuzzJSON", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "FuzzHTTPRequest", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "FuzzJSONRPC", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "FuzzSSE", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "FuzzManifest", dependencies: ["FuzzTargets"]),
        .target(name: "Runtime", dependencies: ["JSON", "Models", "Platform", "Storage", "Bridge", "MCPClient", "HTTPClient"]),
        .target(name: "PlatformMCP", dependencies: ["JSON", "JSONRPC", "MCP", "MCPServer", "Platform", "Storage", "Bridge", "Runtime", "Hashing", "Supervision"]),
        .target(name: "CLIKit"),
        .target(name: "CShim"),
        .target(name: "Supervision", dependencies: ["CShim"]),
        .executableTarget(name: "SupervisionProbe", dependencies: ["Supervision"]),
        .target(name: "HTTPServer", dependencies: ["CShim"]),
        .target(name: "HTTPClient", dependencies: ["CShim", "HTTPServer"]),
        .target(name: "MCPHTTP", dependencies: ["JSON", "JSONRPC", "MCP", "MCPServer", "Hashing", "HTTPServer"]),
        .executableTarget(
            name: "agentbridge",
            dependencies: ["CLIKit", "JSON", "JSONRPC", "MCP", "MCPServer", "MCPStdio", "ReferenceServer", "HTTPServer", "MCPHTTP", "Platform", "Storage", "Bridge", "PlatformMCP", "MCPClient", "HTTPClient", "StdioTransport", "Hashing", "Models", "Runtime"]),
        .executableTarget(
            name: "ReferenceServerMain",
            dependencies: ["CLIKit", "MCPServer", "MCPStdio", "ReferenceServer"]),
        .executableTarget(
            name: "Benchmarks",
            dependencies: ["JSON", "JSONRPC", "MCP", "MCPServer", "Hashing", "Platform", "Storage", "CShim"]),
        .executableTarget(name: "StorageProbe", dependencies: ["JSON", "Platform"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "HashingTests", dependencies: ["Hashing"]),
        .testTarget(name: "JSONRPCTests", dependencies: ["JSON", "JSONRPC"]),
        .testTarget(name: "MCPServerTests", dependencies: ["JSON", "JSONRPC", "MCP", "MCPServer", "ReferenceServer", "Hashing", "StdioTransport"]),
        .testTarget(name: "CLIKitTests", dependencies: ["CLIKit"]),
        .testTarget(name: "MCPClientTests", dependencies: ["MCPClient", "JSON", "JSONRPC", "MCP", "MCPServer", "ReferenceServer", "HTTPClient", "HTTPServer", "MCPHTTP", "HTTPTestSupport"], exclude: ["fixtures"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "CSQLite"]),
        .testTarget(name: "SupervisionTests", dependencies: ["Supervision", "CShim"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "HTTPClient", "HTTPServer", "JSON", "HTTPTestSupport"]),
        .testTarget(name: "FuzzCorpusTests", dependencies: ["FuzzTargets"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "Models", "Platform", "Bridge", "Storage", "JSON", "HTTPServer", "HTTPClient", "MCP", "MCPServer", "HTTPTestSupport"], exclude: ["fixtures"]),
        .testTarget(name: "PlatformMCPTests", dependencies: ["PlatformMCP", "Platform", "Storage", "MCPServer", "MCP", "JSON", "JSONRPC", "Runtime", "Bridge", "HTTPTestSupport"]),
        .testTarget(name: "BridgeTests", dependencies: ["Bridge", "MCPClient", "MCPServer", "Supervision", "JSON", "Platform", "HTTPServer", "HTTPClient", "MCPHTTP", "ReferenceServer", "HTTPTestSupport"]),
        .testTarget(name: "PlatformTests", dependencies: ["Platform", "Storage", "Hashing", "JSON", "HTTPTestSupport"]),
        .target(name: "HTTPTestSupport", dependencies: ["HTTPServer", "CShim"], path: "Tests/HTTPTestSupport"),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "HTTPTestSupport"]),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "HTTPServer", "HTTPTestSupport"]),
        .testTarget(name: "MCPHTTPTests", dependencies: ["JSON", "JSONRPC", "MCP", "MCPServer", "MCPHTTP", "HTTPServer", "ReferenceServer", "HTTPTestSupport"]),
        .testTarget(name: "InteropTests", dependencies: ["JSON", "HTTPServer", "HTTPTestSupport"], exclude: ["python", "setup-venvs.sh"]),
    ],
    swiftLanguageModes: [.v6]
)
