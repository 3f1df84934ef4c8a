import Testing
import JSON
import MCP
@testable import MCPServer

/// Exact bytes on the wire, per type and per version: member order, omitted fields and the
/// shapes a revision defines. A change here is a protocol change and should be deliberate.
@Suite("Golden wire forms")
struct GoldenWireTests {
    static let caps20241105 = #"{"tools":{"listChanged":true},"prompts":{"listChanged":true},"resources":{"subscribe":true,"listChanged":true},"logging":{}}"#
    static let caps = #"{"tools":{"listChanged":true},"prompts":{"listChanged":true},"resources":{"subscribe":true,"listChanged":true},"logging":{},"completions":{}}"#
    static let instructions = #""instructions":"Reference MCP server of AgentBridge. Call echo to test round trips.""#

    @Test(arguments: [
        ("2024-11-05", #"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2024-11-05","capabilities":\#(caps20241105),"serverInfo":{"name":"agentbridge-reference","version":"test"},\#(instructions)}}"#),
        ("2025-06-18", #"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18","capabilities":\#(caps),"serverInfo":{"name":"agentbridge-reference","version":"test","title":"AgentBridge reference server"},\#(instructions)}}"#),
        ("2025-11-25", #"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-11-25","capabilities":\#(caps),"serverInfo":{"name":"agentbridge-reference","version":"test","title":"AgentBridge reference server","description":"Exercises every MCP feature; the interop fixture of AgentBridge"},\#(instructions)}}"#),
    ])
    func initializeResult(_ version: String, _ golden: String) async {
        let c = TestClient()
        let r = await c.initialize(version)
        #expect(JSONWriter.string(r) == golden)
    }

    static let weatherText = #"{\"city\":\"Oslo\",\"temperature\":28.5,\"conditions\":\"sunny\"}"#
    static let serverInfoMeta = #""_meta":{"io.modelcontextprotocol/serverInfo":{"name":"agentbridge-reference","version":"test","title":"AgentBridge reference server","description":"Exercises every MCP feature; the interop fixture of AgentBridge"}}"#

    @Test func structuredToolResultPerVersion() async {
        let old = TestClient()
        await old.initialize("2025-03-26")
        let r1 = await old.request(1, "tools/call", ["name": "get_weather", "arguments": ["city": "Oslo"]])
        #expect(JSONWriter.string(r1) == #"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"\#(Self.weatherText)"}],"isError":false}}"#)

        let new = TestClient()
        await new.initialize("2025-11-25")
        let r2 = await new.request(1, "tools/call", ["name": "get_weather", "arguments": ["city": "Oslo"]])
        #expect(JSONWriter.string(r2) == #"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"\#(Self.weatherText)"}],"structuredContent":{"city":"Oslo","temperature":28.5,"conditions":"sunny"},"isError":false}}"#)

        let modern = TestClient()
        let r3 = await modern.modern(1, "tools/call", ["name": "get_weather", "arguments": ["city": "Oslo"]])
        #expect(JSONWriter.string(r3) == #"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"\#(Self.weatherText)"}],"structuredContent":{"city":"Oslo","temperature":28.5,"conditions":"sunny"},"isError":false,"resultType":"complete",\#(Self.serverInfoMeta)}}"#)
    }

    /// A result relayed from a 2026 upstream carries that upstream's serverInfo and 2026 fields:
    /// a handshake-era caller gets neither (other `_meta` stays), a 2026 caller gets ours.
    @Test func aRelayedUpstreamResultIsShapedForTheCallersEra() throws {
        let upstream = try JSONParser.parse(Array(#"{"messages":[],"resultType":"complete","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"upstream","version":"9"},"trace":"t1"}}"#.utf8))
        let ours: JSONValue = ["name": "agentbridge", "version": "1"]
        let legacy = ResultShaper.shape(result: upstream, method: "prompts/get", version: .v2025_11_25, cache: .uncached, serverInfo: ours)
        #expect(JSONWriter.string(legacy) == #"{"messages":[],"_meta":{"trace":"t1"}}"#)
        let onlyInfo = try JSONParser.parse(Array(#"{"contents":[],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"upstream","version":"9"}}}"#.utf8))
        #expect(JSONWriter.string(ResultShaper.shape(result: onlyInfo, method: "resources/read", version: .v2024_11_05, cache: .uncached, serverInfo: ours))
            == #"{"contents":[]}"#)
        let modern = ResultShaper.shape(result: upstream, method: "prompts/get", version: .v2026_07_28, cache: .uncached, serverInfo: ours)
        #expect(modern["_meta"]?["io.modelcontextprotocol/serverInfo"] == ours && modern["_meta"]?["trace"] == "t1")
    }

    @Test func errorResponses() async {
        let c = TestClient()
        c.sendRaw("nope")
        let parse = await c.next { $0["error"] != nil }
        #expect(JSONWriter.string(parse) == #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error: invalid literal, expected 'null' at byte 1"}}"#)
        let missing = await c.modern(3, "resources/read", ["uri": "test://x"])
        #expect(JSONWriter.string(missing) == #"{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"Resource not found: test://x","data":{"uri":"test://x"}}}"#)
    }

    @Test func contentBlocks() {
        #expect(JSONWriter.string(Content.text("t").json) == #"{"type":"text","text":"t"}"#)
        #expect(JSONWriter.string(Content.image(data: "AA==", mimeType: "image/png").json) == #"{"type":"image","data":"AA==","mimeType":"image/png"}"#)
        #expect(JSONWriter.string(Content.audio(data: "AA==", mimeType: "audio/wav").json) == #"{"type":"audio","data":"AA==","mimeType":"audio/wav"}"#)
        #expect(JSONWriter.string(Content.resourceLink(uri: "u://x", name: "x", mimeType: nil, description: nil).json) == #"{"type":"resource_link","uri":"u://x","name":"x"}"#)
        #expect(JSONWriter.string(Content.resource(ResourceContents(uri: "u://b", mimeType: "image/png", blob: "AA==")).json) == #"{"type":"resource","resource":{"uri":"u://b","mimeType":"image/png","blob":"AA=="}}"#)
    }

    @Test func toolsResourcesAndPrompts() {
        let tool = Tool(name: "t", title: "T", description: "d", inputSchema: Tool.noArguments, outputSchema: ["type": "object"],
                        annotations: ToolAnnotations(readOnlyHint: true, destructiveHint: false), icons: [Icon(src: "https://x/i.png", mimeType: "image/png", sizes: ["48x48"])])
        #expect(JSONWriter.string(tool.json) == #"{"name":"t","title":"T","description":"d","inputSchema":{"type":"object","additionalProperties":false},"outputSchema":{"type":"object"},"annotations":{"readOnlyHint":true,"destructiveHint":false},"icons":[{"src":"https://x/i.png","mimeType":"image/png","sizes":["48x48"]}]}"#)
        let shaped = ResultShaper.shape(result: ["tools": [tool.json]], method: "tools/list", version: .v2025_03_26, cache: .uncached, serverInfo: [:])
        #expect(JSONWriter.string(shaped) == #"{"tools":[{"name":"t","description":"d","inputSchema":{"type":"object","additionalProperties":false},"annotations":{"readOnlyHint":true,"destructiveHint":false}}]}"#)
        let oldest = ResultShaper.shape(result: ["tools": [tool.json]], method: "tools/list", version: .v2024_11_05, cache: .uncached, serverInfo: [:])
        #expect(JSONWriter.string(oldest) == #"{"tools":[{"name":"t","description":"d","inputSchema":{"type":"object","additionalProperties":false}}]}"#)
        let resource = Resource(uri: "test://a", name: "a", title: "A", mimeType: "text/plain", size: 3)
        #expect(JSONWriter.string(resource.json) == #"{"uri":"test://a","name":"a","title":"A","mimeType":"text/plain","size":3}"#)
        let prompt = Prompt(name: "p", arguments: [PromptArgument(name: "x", required: true)])
        #expect(JSONWriter.string(prompt.json) == #"{"name":"p","arguments":[{"name":"x","required":true}]}"#)
        let cached = ResultShaper.shape(result: ["prompts": []], method: "prompts/list", version: .v2026_07_28, cache: CacheHint(ttlMs: 5000, scope: .public), serverInfo: ["name": "s", "version": "1"])
        #expect(JSONWriter.string(cached) == #"{"prompts":[],"resultType":"complete","ttlMs":5000,"cacheScope":"public","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"s","version":"1"}}}"#)
    }

    @Test func progressOmitsMessageBefore20250326() {
        let p: JSONValue = ["progressToken": 1, "progress": 5, "message": "m"]
        #expect(ResultShaper.shape(notificationParams: p, method: "notifications/progress", version: .v2024_11_05) == ["progressToken": 1, "progress": 5])
        #expect(ResultShaper.shape(notificationParams: p, method: "notifications/progress", version: .v2025_03_26) == p)
    }

    @Test func theMethodTableKnowsWhereEachMethodLives() {
        #expect(MCPMethod.isServerRequest("initialize", in: .v2025_11_25))
        #expect(!MCPMethod.isServerRequest("initialize", in: .v2026_07_28))
        #expect(MCPMethod.isServerRequest("server/discover", in: .v2026_07_28))
        #expect(!MCPMethod.isServerRequest("server/discover", in: .v2025_11_25))
        #expect(!MCPMethod.isServerRequest("elicitation/create", in: .v2025_11_25))
        #expect(MCPMethod.named("elicitation/create")?.exists(in: .v2025_06_18) == true)
        #expect(MCPMethod.named("elicitation/create")?.exists(in: .v2025_03_26) == false)
        #expect(MCPMethod.named("resources/read")?.nameParameter == "uri")
        #expect(Set(MCPMethod.table.map(\.name)).count == MCPMethod.table.count)
        #expect(Set(MCPServer.methods.keys).isSubset(of: Set(MCPMethod.table.map(\.name))))
    }
}
