import CLIKit
import MCPServer
import MCPStdio
import ReferenceServer

/// `mcp-reference-server`: the reference MCP server over stdio.
let root = Command(
    name: "mcp-reference-server",
    abstract: "The AgentBridge reference MCP server (every MCP feature, both eras) over stdio.",
    discussion: "Registers echo plus tool_001… (see --tools), the conformance fixtures, resources, prompts and completions.",
    options: [
        Option("tools", valueName: "n", help: "Benchmark tools to register: echo plus tool_001…tool_<n-1>.", defaultValue: "100"),
        Option("page-size", valueName: "n", help: "Items per page of every list.", defaultValue: "100"),
        Option("max-line-bytes", valueName: "bytes", help: "Longest accepted stdio line.", defaultValue: String(4 << 20)),
        Option("max-in-flight", valueName: "n", help: "Requests running at once; beyond it stdin is not read until one finishes.", defaultValue: "256"),
        Option("transport", valueName: "kind", help: "Transport; only 'stdio' exists in this build.", defaultValue: "stdio"),
    ])

await CLI.main(root: root, version: "0.1.0") { args in
    let tools = try args.int("tools", in: 1...10_000) ?? 100
    let pageSize = try args.int("page-size", in: 1...100_000) ?? 100
    let maxLine = try args.int("max-line-bytes", in: 1024...(1 << 30)) ?? (4 << 20)
    let inFlight = try args.int("max-in-flight", in: 1...100_000) ?? 256
    guard args.value("transport") == "stdio" else {
        throw args.usageError("unsupported transport '\(args.value("transport") ?? "")'; this build serves stdio only")
    }
    let server = ReferenceServer.make(version: "0.1.0", configuration: .init(benchmarkTools: tools, pageSize: pageSize))
    await StdioServer.run(server, limits: .init(maxLineBytes: maxLine, maxInFlight: inFlight))
    return 0
}
