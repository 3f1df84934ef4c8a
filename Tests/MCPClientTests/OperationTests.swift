import JSON
import MCP
import MCPClient
import Testing

/// Every operation in both eras against the reference engine: `.auto` (which ends modern) and
/// `.legacy` (the 2025-11-25 handshake). Wire assertions check the envelope rules: 2026 requests
/// carry the three `_meta` keys, legacy requests none.
@Suite(.timeLimit(.minutes(1)))
struct OperationTests {
    static let eras: [MCPEraPreference] = [.auto, .legacy]

    /// Checks the envelope of every request the client sent after connecting.
    static func checkEnvelopes(_ h: ReferenceHarness, _ era: MCPEraPreference, sourceLocation: SourceLocation = #_sourceLocation) {
        for frame in h.wire.sent where !frame["id"].isAbsent && !frame["method"].isAbsent {
            guard frame["method"] != "initialize" else { continue }
            if era == .legacy {
                #expect(frame.meta?["io.modelcontextprotocol/protocolVersion"] == nil, "legacy request \(frame) must carry no envelope", sourceLocation: sourceLocation)
            } else {
                #expect(frame.meta?["io.modelcontextprotocol/protocolVersion"] == "2026-07-28", "\(frame)", sourceLocation: sourceLocation)
                #expect(frame.meta?["io.modelcontextprotocol/clientInfo"]?["name"] == "agentbridge", sourceLocation: sourceLocation)
                #expect(frame.meta?["io.modelcontextprotocol/clientCapabilities"]?.objectValue != nil, sourceLocation: sourceLocation)
            }
        }
    }

    @Test(arguments: eras)
    func listToolsFollowsEveryPage(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era, pageSize: 7, tools: 20)
        let tools = try await h.client.listTools()
        let expected = h.server.toolNames
        #expect(tools.map(\.name) == expected)
        #expect(expected.count > 20)
        let pages = h.wire.sentRequests("tools/list")
        #expect(pages.count == (expected.count + 6) / 7)
        #expect(pages.first?["params"]?["cursor"] == nil)
        #expect(pages.dropFirst().allSatisfy { $0["params"]?["cursor"]?.stringValue != nil })
        Self.checkEnvelopes(h, era)
    }

    @Test(arguments: eras)
    func toolDefinitionsKeepTheRawJSON(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era)
        let tools = try await h.client.listTools()
        let echo = try #require(tools.first { $0.name == "echo" })
        #expect(echo.json["inputSchema"]?["properties"]?["text"]?["type"] == "string")
        #expect(echo.title == "Echo")
        #expect(echo.tool.annotations?.readOnlyHint == true)
        #expect(echo.tool.inputSchema == echo.inputSchema)
        let weather = try #require(tools.first { $0.name == "get_weather" })
        #expect(weather.outputSchema?["required"] == ["city", "temperature", "conditions"])
    }

    /// Why: a gateway calls for a caller that may answer fewer questions than the gateway could
    /// forward; a 2026 server decides per request what it may ask, so the request must declare
    /// the caller's capabilities, not the connection's. The handshake era declared once.
    @Test(arguments: eras)
    func aRequestsOwnCapabilitiesReplaceTheConnectionsIn2026(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era)
        _ = try await h.client.callTool("echo", arguments: ["text": "a"], capabilities: ["roots": [:]])
        _ = try await h.client.callTool("echo", arguments: ["text": "b"])
        _ = try await h.client.getPrompt("test_simple_prompt", capabilities: [:])
        _ = try await h.client.readResource("test://static-text", capabilities: ["sampling": [:]])
        let calls = h.wire.sentRequests("tools/call")
        let prompt = h.wire.sentRequests("prompts/get").first, read = h.wire.sentRequests("resources/read").first
        #expect(calls.count == 2)
        let meta = h.client.requestMeta(progressToken: 5, capabilities: [:])
        if era == .legacy {
            #expect(meta == ["progressToken": 5])
        } else {
            #expect(calls.first?.meta?["io.modelcontextprotocol/clientCapabilities"] == ["roots": [:]], "\(calls)")
            #expect(calls.last?.meta?["io.modelcontextprotocol/clientCapabilities"] == .object(h.client.declaredCapabilities))
            #expect(meta?["io.modelcontextprotocol/clientCapabilities"] == [:])
            #expect(prompt?.meta?["io.modelcontextprotocol/clientCapabilities"] == [:], "\(String(describing: prompt))")
            #expect(read?.meta?["io.modelcontextprotocol/clientCapabilities"] == ["sampling": [:]], "\(String(describing: read))")
            #expect(meta?["progressToken"] == 5)
            #expect(meta?["io.modelcontextprotocol/protocolVersion"] == "2026-07-28")
        }
        Self.checkEnvelopes(h, era)
    }

    @Test(arguments: eras)
    func callEcho(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era)
        let result = try await h.client.callTool("echo", arguments: ["text": "hello"])
        #expect(result.isError == false)
        #expect(result.text == "hello")
        #expect(result.blocks == [.text("hello")])
        let call = try #require(h.wire.sentRequests("tools/call").first)
        #expect(call["params"]?["name"] == "echo")
        #expect(call["params"]?["arguments"] == ["text": "hello"])
        if era == .legacy {
            #expect(result.json["resultType"] == nil)
        } else {
            #expect(result.json["resultType"] == "complete")
        }
        Self.checkEnvelopes(h, era)
    }

    @Test(arguments: eras)
    func structuredContent(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era)
        let result = try await h.client.callTool("get_weather", arguments: ["city": "Paris"])
        #expect(result.isError == false)
        #expect(result.structuredContent?["city"] == "Paris")
        #expect(result.structuredContent?["conditions"] == "sunny")
        #expect(result.structuredContent?["temperature"]?.doubleValue != nil)
    }

    @Test(arguments: eras)
    func toolFailuresAreResultsNotErrors(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era)
        let result = try await h.client.callTool("test_error_handling")
        #expect(result.isError)
        #expect(result.text.contains("intentionally"))
    }

    @Test(arguments: eras)
    func contentBlocksOfEveryKind(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era)
        let result = try await h.client.callTool("test_multiple_content_types")
        #expect(result.content.count == 3)
        #expect(result.blocks.count == 3)
        guard case .image(_, let mime) = result.blocks[1] else { Issue.record("expected an image block"); return }
        #expect(mime == "image/png")
        guard case .resource(let contents) = result.blocks[2] else { Issue.record("expected a resource block"); return }
        #expect(contents.uri == "test://mixed-content-resource")
    }

    @Test(arguments: eras)
    func unknownToolIsAServerError(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era)
        await #expect {
            try await h.client.callTool("no_such_tool")
        } throws: { error in
            guard case .server(let code, let message, let data) = error as? MCPClientError else { return false }
            return code == -32602 && message.contains("no_such_tool") && data?["name"] == "no_such_tool"
        }
    }

    @Test(arguments: eras)
    func prompts(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era, pageSize: 2)
        let prompts = try await h.client.listPrompts()
        #expect(prompts.compactMap { $0["name"]?.stringValue }.sorted() == [
            "test_prompt_with_arguments", "test_prompt_with_embedded_resource", "test_prompt_with_image", "test_simple_prompt",
        ])
        let prompt = try await h.client.getPrompt("test_prompt_with_arguments", arguments: ["arg1": "a", "arg2": "b"])
        #expect(prompt["messages"]?[0]?["content"]?["text"] == "Prompt with arguments: arg1='a', arg2='b'")
        await #expect(throws: MCPClientError.self) { try await h.client.getPrompt("test_prompt_with_arguments") }
        Self.checkEnvelopes(h, era)
    }

    @Test(arguments: eras)
    func resources(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era, pageSize: 2)
        let resources = try await h.client.listResources()
        #expect(resources.contains { $0["uri"] == "test://static-text" })
        #expect(resources.count == 4)
        let templates = try await h.client.listResourceTemplates()
        #expect(templates.map { $0["uriTemplate"] } == ["test://template/{id}/data"])
        let text = try await h.client.readResource("test://static-text")
        #expect(text["contents"]?[0]?["text"] == "This is the content of the static text resource.")
        let templated = try await h.client.readResource("test://template/42/data")
        #expect(templated["contents"]?[0]?["uri"] == "test://template/42/data")
        // Resource not found: −32602 in 2026, −32002 before (DIGEST §4, gotcha 6).
        await #expect {
            try await h.client.readResource("test://missing")
        } throws: { error in
            (error as? MCPClientError)?.serverCode == (era == .legacy ? -32002 : -32602)
        }
    }

    @Test(arguments: eras)
    func completion(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era)
        let prompt = try await h.client.complete(.prompt(name: "test_prompt_with_arguments"), argument: "arg1", value: "pa")
        #expect(prompt.values == ["paris", "park", "party", "pasta"])
        #expect(prompt.total == 4)
        #expect(prompt.hasMore == false)
        let resource = try await h.client.complete(.resource(uri: "test://template/{id}/data"), argument: "id", value: "4")
        #expect(resource.values == ["42"])
    }

    @Test(arguments: eras)
    func ping(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era)
        try await h.client.ping()
        if era == .legacy {
            #expect(h.wire.sentRequests("ping").count == 1)
        } else {
            #expect(h.wire.sentRequests("ping").isEmpty, "2026 has no ping")
            #expect(h.wire.sentRequests("server/discover").count == 2)
        }
    }

    @Test(arguments: eras)
    func rawRequestsPassResultsThroughUnchanged(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era, pageSize: 1000)
        let page = try await h.client.listPage("tools/list")
        #expect(page.nextCursor == nil)
        #expect(page.items.count == h.server.toolNames.count)
        if era == .legacy {
            #expect(page.json["ttlMs"] == nil)
        } else {
            #expect(page.json["ttlMs"] == 0)
            #expect(page.json["cacheScope"] == "private")
            #expect(page.json["_meta"]?["io.modelcontextprotocol/serverInfo"]?["name"] == "agentbridge-reference")
        }
        let raw = try await h.client.request("tools/call", params: ["name": "echo", "arguments": ["text": "x"]])
        #expect(raw["content"]?[0]?["text"] == "x")
    }

    @Test func methodsOfTheOtherEraAreRefusedLocally() async throws {
        let modern = try await ReferenceHarness.connected(.auto)
        await #expect {
            try await modern.client.request("resources/subscribe", params: ["uri": "test://static-text"])
        } throws: { error in
            guard case .unsupported(let why) = error as? MCPClientError else { return false }
            return why.contains("resources/subscribe")
        }
        let legacy = try await ReferenceHarness.connected(.legacy)
        await #expect {
            try await legacy.client.request("server/discover")
        } throws: { error in
            guard case .unsupported = error as? MCPClientError else { return false }
            return true
        }
        #expect(legacy.wire.sentRequests("server/discover").isEmpty)
    }
}
