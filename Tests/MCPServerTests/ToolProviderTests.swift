import JSON
import JSONRPC
import MCP
@testable import MCPServer
import Testing

/// The computed-tools seam a gateway plugs into: provided tools are listed after registered ones
/// (and paged across both), shaped per version, called with the request context, and a name the
/// provider does not know is the same −32602 as any unknown tool — in both eras.
@Suite("Tool providers")
struct ToolProviderTests {
    struct Provided: ToolProvider {
        func listTools(_ context: RequestContext) async throws -> ToolListing {
            ToolListing(
                tools: [Tool(name: "up__echo", description: "Provided echo", inputSchema: ["type": "object"]).json,
                        Tool(name: "up__title", title: "Has a title", inputSchema: ["type": "object"]).json],
                meta: ["example/partial": true])
        }

        func callTool(name: String, arguments: JSONObject, context: RequestContext) async throws -> JSONValue? {
            guard name == "up__echo" else { return nil }
            return ToolResult(content: [.text("provided: \(arguments["text"]?.stringValue ?? "")")]).json
        }
    }

    func server() -> MCPServer {
        let server = MCPServer(info: Implementation(name: "gw", version: "1"), options: .init(pageSize: 2))
        server.addTool(Tool(name: "local", inputSchema: ["type": "object"])) { _, _ in ToolResult(content: [.text("local")]) }
        server.setToolProvider(Provided())
        return server
    }

    @Test func providedToolsAreListedPagedAndCalledInTheModernEra() async {
        let c = TestClient(server: server())
        let first = await c.modern(1, "tools/list")
        #expect(first.result?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["local", "up__echo"])
        #expect(first.result?["_meta"]?["example/partial"] == true, "the provider's _meta reaches the result")
        #expect(first.result?["_meta"]?["io.modelcontextprotocol/serverInfo"] != nil, "next to the server info")
        let cursor = first.result?["nextCursor"]
        #expect(cursor != nil)
        let second = await c.modern(2, "tools/list", ["cursor": cursor!])
        #expect(second.result?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["up__title"])
        let called = await c.modern(3, "tools/call", ["name": "up__echo", "arguments": ["text": "hi"]])
        #expect(called.result?["content"]?[0]?["text"] == "provided: hi")
        let unknown = await c.modern(4, "tools/call", ["name": "up__title", "arguments": [:]])
        #expect(unknown.errorCode == -32602)
        let guessed = await c.modern(5, "tools/call", ["name": "up__nope"])
        #expect(guessed.errorCode == -32602)
        #expect(guessed["error"]?["message"] == "Unknown tool: up__nope")
        #expect(unknown["error"]?["message"] == "Unknown tool: up__title")
    }

    @Test func providedToolsAreShapedForOldVersions() async {
        let c = TestClient(server: server())
        await c.initialize("2024-11-05")
        let listed = await c.request(1, "tools/list")
        let tools = listed.result?["tools"]?.arrayValue ?? []
        #expect(tools.count == 2)
        // `title` did not exist in 2024-11-05: the shaper removes it from provided tools too.
        let cursor = listed.result?["nextCursor"]
        let rest = await c.request(2, "tools/list", ["cursor": cursor ?? .null])
        #expect(rest.result?["tools"]?[0]?["name"] == "up__title")
        #expect(rest.result?["tools"]?[0]?["title"] == nil)
        let called = await c.request(3, "tools/call", ["name": "up__echo", "arguments": ["text": "old"]])
        #expect(called.result?["content"]?[0]?["text"] == "provided: old")
    }
}
