import JSON
import JSONRPC
import MCP
@testable import MCPServer
import Testing

/// The computed-tools seam a gateway plugs into: provided tools are listed after registered ones
/// (and paged across both), shaped per version, called with the request context, and a name the
/// provider does not know is the same −32602 as any unknown tool — in both eras.
@Suite("Catalog providers")
struct CatalogProviderTests {
    struct Provided: CatalogProvider {
        func listTools(_ context: RequestContext) async throws -> CatalogListing {
            CatalogListing(
                [Tool(name: "up__echo", description: "Provided echo", inputSchema: ["type": "object"]).json,
                        Tool(name: "up__title", title: "Has a title", inputSchema: ["type": "object"]).json],
                meta: ["example/partial": true])
        }

        func callTool(name: String, arguments: JSONObject, context: RequestContext) async throws -> JSONValue? {
            guard name == "up__echo" else { return nil }
            return ToolResult(content: [.text("provided: \(arguments["text"]?.stringValue ?? "")")]).json
        }

        func listPrompts(_ context: RequestContext) async throws -> CatalogListing {
            CatalogListing([["name": "up__greet", "arguments": [["name": "who", "required": true]]]], meta: ["example/prompts": true])
        }

        func getPrompt(name: String, arguments: [String: String], context: RequestContext) async throws -> JSONValue? {
            guard name == "up__greet" else { return nil }
            return ["messages": [["role": "user", "content": ["type": "text", "text": .string("hello \(arguments["who"] ?? "?")")]]]]
        }

        func listResources(_ context: RequestContext) async throws -> CatalogListing {
            CatalogListing([["uri": "up://doc", "name": "doc"]])
        }

        func listResourceTemplates(_ context: RequestContext) async throws -> CatalogListing {
            CatalogListing([["uriTemplate": "up://item/{id}", "name": "item"]])
        }

        func readResource(uri: String, context: RequestContext) async throws -> JSONValue? {
            guard uri == "up://doc" else { return nil }
            return ["contents": [["uri": "up://doc", "text": "the doc"]]]
        }

        func complete(reference: JSONObject, argument: String, value: String, arguments: [String: String],
                      context: RequestContext) async throws -> [String]? {
            guard reference["name"]?.stringValue == "up__greet" else { return nil }
            return ["world", "wide"].filter { $0.hasPrefix(value) }
        }
    }

    func server() -> MCPServer {
        let server = MCPServer(info: Implementation(name: "gw", version: "1"), options: .init(pageSize: 2))
        server.addTool(Tool(name: "local", inputSchema: ["type": "object"])) { _, _ in ToolResult(content: [.text("local")]) }
        server.setCatalogProvider(Provided())
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

    @Test func providedPromptsResourcesAndCompletionsInBothEras() async {
        let c = TestClient(server: server())
        let prompts = await c.modern(1, "prompts/list")
        #expect(prompts.result?["prompts"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["up__greet"])
        #expect(prompts.result?["_meta"]?["example/prompts"] == true)
        let got = await c.modern(2, "prompts/get", ["name": "up__greet", "arguments": ["who": "you"]])
        #expect(got.result?["messages"]?[0]?["content"]?["text"] == "hello you")
        let unknownPrompt = await c.modern(3, "prompts/get", ["name": "up__nope"])
        #expect(unknownPrompt["error"]?["message"] == "Unknown prompt: up__nope")
        let resources = await c.modern(4, "resources/list")
        #expect(resources.result?["resources"]?[0]?["uri"] == "up://doc")
        let templates = await c.modern(5, "resources/templates/list")
        #expect(templates.result?["resourceTemplates"]?[0]?["uriTemplate"] == "up://item/{id}")
        let read = await c.modern(6, "resources/read", ["uri": "up://doc"])
        #expect(read.result?["contents"]?[0]?["text"] == "the doc")
        let missing = await c.modern(7, "resources/read", ["uri": "up://other"])
        #expect(missing.errorCode == -32602, "2026: an unknown resource is invalid params")
        let completed = await c.modern(8, "completion/complete", ["ref": ["type": "ref/prompt", "name": "up__greet"], "argument": ["name": "who", "value": "wo"]])
        #expect(completed.result?["completion"]?["values"] == ["world"])
        let unknownRef = await c.modern(9, "completion/complete", ["ref": ["type": "ref/prompt", "name": "up__nope"], "argument": ["name": "who", "value": ""]])
        #expect(unknownRef["error"]?["message"] == "Unknown prompt: up__nope")

        let legacy = TestClient(server: server())
        await legacy.initialize("2025-06-18")
        let oldGet = await legacy.request(1, "prompts/get", ["name": "up__greet", "arguments": ["who": "old"]])
        #expect(oldGet.result?["messages"]?[0]?["content"]?["text"] == "hello old")
        let oldMissing = await legacy.request(2, "resources/read", ["uri": "up://other"])
        #expect(oldMissing.errorCode == -32002, "handshake era: resource not found is -32002")
    }
}
