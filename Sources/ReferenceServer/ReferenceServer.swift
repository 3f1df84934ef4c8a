import Foundation
import JSON
import MCP
import MCPServer
import Synchronization

/// The reference server: a server built only on our engine that exercises every MCP feature.
///
/// It is the interop fixture of the whole project — the Python SDK clients drive it in the
/// interop tests, the benchmark harness measures it, and the bridge will call it as an upstream.
/// Names follow the official conformance suite's fixture contract where one exists
/// (`test_simple_text`, `test://static-text`, `test_prompt_with_arguments`, …) and the benchmark
/// contract (`echo`, `tool_001`…`tool_099`).
public enum ReferenceServer {
    public struct Configuration: Sendable {
        /// `echo` plus `tool_001`…: how many benchmark tools to register in all (≥ 1).
        public var benchmarkTools: Int
        public var pageSize: Int

        public init(benchmarkTools: Int = 100, pageSize: Int = 100) {
            self.benchmarkTools = max(1, benchmarkTools)
            self.pageSize = pageSize
        }
    }

    public static let name = "agentbridge-reference"

    public static func make(version: String, configuration: Configuration = Configuration()) -> MCPServer {
        let server = MCPServer(
            info: Implementation(name: name, version: version, title: "AgentBridge reference server",
                                 description: "Exercises every MCP feature; the interop fixture of AgentBridge"),
            options: MCPServer.Options(pageSize: configuration.pageSize,
                                       instructions: "Reference MCP server of AgentBridge. Call echo to test round trips."))
        registerBenchmarkTools(server, count: configuration.benchmarkTools)
        let state = FixtureState()
        registerContentTools(server)
        registerInteractiveTools(server, state: state)
        registerResources(server, state: state)
        registerPrompts(server)
        return server
    }

    static let echoSchema: JSONValue = [
        "type": "object",
        "properties": ["text": ["type": "string", "description": "Text to send back"]],
        "required": ["text"],
    ]

    static func registerBenchmarkTools(_ server: MCPServer, count: Int) {
        let echo: ToolHandler = { args, _ in .text(args["text"]?.stringValue ?? "") }
        server.addTool(Tool(name: "echo", title: "Echo", description: "Returns the text it is given",
                            inputSchema: echoSchema, annotations: ToolAnnotations(readOnlyHint: true, openWorldHint: false)), handler: echo)
        if count > 1 {
            for i in 1..<count {
                let name = "tool_" + String(repeating: "0", count: max(0, 3 - String(i).count)) + String(i)
                server.addTool(Tool(name: name, description: "Benchmark tool \(i): returns the text it is given", inputSchema: echoSchema), handler: echo)
            }
        }
    }
}

/// Mutable fixture state shared by the tools that change things at run time.
final class FixtureState: Sendable {
    let dynamicTools = Atomic<Int>(0)
    let dynamicPrompts = Atomic<Int>(0)
    let watchedRevision = Atomic<Int>(0)
}
