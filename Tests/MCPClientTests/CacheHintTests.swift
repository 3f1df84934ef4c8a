import JSON
import MCPClient
import Testing

/// The 2026 cache hints of a list: how long the client may treat it as fresh.
@Suite("Cache hints of tools/list")
struct CacheHintTests {
    static func tool(_ name: String) -> JSONValue { ["name": .string(name), "inputSchema": ["type": "object"]] }

    /// A 2026 server whose tools come in two pages with the given `ttlMs` (nil: left out).
    static func modern(_ first: JSONValue?, _ second: JSONValue?) -> ScriptedServer {
        ScriptedServer { message, _ in
            switch message["method"]?.stringValue {
            case "server/discover":
                return [ScriptedServer.result(for: message, ScriptedServer.discoverResult)]
            case "tools/list":
                let secondPage = message["params"]?["cursor"] != nil
                var result: JSONObject = ["resultType": "complete", "cacheScope": "public",
                                          "tools": [tool(secondPage ? "b" : "a")]]
                if !secondPage { result["nextCursor"] = "2" }
                if let ttl = secondPage ? second : first { result["ttlMs"] = ttl }
                return [ScriptedServer.result(for: message, .object(result))]
            default:
                return []
            }
        }
    }

    @Test func theShortestPageTTLBoundsTheWholeList() async throws {
        let client = MCPClient(transport: Self.modern(5000, 2000), configuration: .patient)
        try await client.connect()
        let (tools, freshFor) = try await client.listToolsAndFreshness()
        #expect(tools.map(\.name) == ["a", "b"])
        #expect(freshFor == .milliseconds(2000))
    }

    @Test(arguments: [nil, -5, 0] as [JSONValue?])
    func aMissingOrNegativeTTLMeansStaleAtOnce(ttl: JSONValue?) async throws {
        let client = MCPClient(transport: Self.modern(60000, ttl), configuration: .patient)
        try await client.connect()
        #expect(try await client.listToolsAndFreshness().freshFor == .zero)
    }

    @Test func aHandshakeEraServerGivesNoHint() async throws {
        let client = MCPClient(transport: ScriptedServer(ScriptedServer.legacy(discoverError: -32601)), configuration: .patient)
        try await client.connect()
        let (tools, freshFor) = try await client.listToolsAndFreshness()
        #expect(tools.map(\.name) == ["t"] && freshFor == nil)
    }
}
