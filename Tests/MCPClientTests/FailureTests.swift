import JSON
import MCP
import MCPClient
import Testing

/// Every way a call can fail, each with its own `MCPClientError` case: server errors, timeouts,
/// cancellation, a closed connection and protocol violations.
@Suite(.timeLimit(.minutes(1)))
struct FailureTests {
    static let eras: [MCPEraPreference] = [.auto, .legacy]
    static let slow: JSONObject = ["steps": 1000, "step_ms": 20]

    @Test(arguments: eras)
    func timeoutCancelsTheRequestOnTheServer(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era)
        await #expect(throws: MCPClientError.timeout(method: "tools/call", after: .milliseconds(300))) {
            try await h.client.callTool("slow_operation", arguments: Self.slow, timeout: .milliseconds(300))
        }
        try await h.client.ping()
        let call = try #require(h.wire.sentRequests("tools/call").first)
        let cancel = try #require(h.wire.sentNotifications("notifications/cancelled").first)
        #expect(cancel["params"]?["requestId"] == call["id"])
        #expect(cancel["params"]?["reason"] == "timeout")
        #expect(h.wire.response(to: call["id"]!) == nil, "a cancelled request is never answered")
    }

    @Test(arguments: eras)
    func taskCancellationSendsNotificationsCancelled(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era)
        let progress = Collector<MCPProgress>()
        let call = Task {
            try await h.client.callTool("slow_operation", arguments: Self.slow, progress: { progress.append($0) })
        }
        _ = await progress.wait(for: 1)  // the call is running on the server
        call.cancel()
        await #expect(throws: MCPClientError.cancelled(method: "tools/call")) { try await call.value }
        try await h.client.ping()
        let sent = try #require(h.wire.sentRequests("tools/call").first)
        let cancel = try #require(h.wire.sentNotifications("notifications/cancelled").first)
        #expect(cancel["params"]?["requestId"] == sent["id"])
        #expect(cancel["params"]?["reason"] == "cancelled")
    }

    @Test(arguments: eras)
    func upstreamClosingFailsEveryWaitingRequest(era: MCPEraPreference) async throws {
        let closed = Collector<String>()
        let h = try await ReferenceHarness.connected(era, events: MCPClientEvents(closed: { closed.append($0) }))
        let progress = Collector<MCPProgress>()
        let call = Task {
            try await h.client.callTool("slow_operation", arguments: Self.slow, progress: { progress.append($0) })
        }
        _ = await progress.wait(for: 1)
        h.transport.serverClosed()
        let reason = "upstream closed the connection (end of stream)"
        await #expect(throws: MCPClientError.closed(reason)) { try await call.value }
        await #expect(throws: MCPClientError.closed(reason)) { try await h.client.listTools() }
        #expect(await closed.wait(for: 1) == [reason])
        #expect(h.client.closedReason == reason)
    }

    @Test func closingTheClientFailsWaitingRequests() async throws {
        let h = try await ReferenceHarness.connected(.auto)
        let progress = Collector<MCPProgress>()
        let call = Task {
            try await h.client.callTool("slow_operation", arguments: Self.slow, progress: { progress.append($0) })
        }
        _ = await progress.wait(for: 1)
        h.client.close()
        await #expect(throws: MCPClientError.closed("closed by the client")) { try await call.value }
    }

    @Test func serverErrorsKeepCodeMessageAndData() async throws {
        let server = Self.scripted { message in
            [ScriptedServer.error(for: message, -32050, "quota exceeded", data: ["retryAfter": 3])]
        }
        let client = try await Self.modern(server)
        await #expect(throws: MCPClientError.server(code: -32050, message: "quota exceeded", data: ["retryAfter": 3])) {
            try await client.callTool("x")
        }
    }

    @Test func aMalformedResponseFailsItsRequestAsAProtocolViolation() async throws {
        let server = Self.scripted { message in
            [.raw(#"{"jsonrpc":"2.0","id":\#(message["id"]!),"result":{},"error":{"code":1,"message":"both"}}"#)]
        }
        let client = try await Self.modern(server)
        await #expect {
            try await client.callTool("x")
        } throws: { error in
            guard case .protocolViolation(let why) = error as? MCPClientError else { return false }
            return why.contains("exactly one")
        }
    }

    @Test func garbageIsReportedAndTheConnectionKeepsWorking() async throws {
        let violations = Collector<String>()
        let server = Self.scripted { message in
            [.raw("this is not json"), ScriptedServer.result(for: message, ["content": [["type": "text", "text": "fine"]]])]
        }
        let client = try await Self.modern(server, events: MCPClientEvents(protocolViolation: { violations.append($0) }))
        #expect(try await client.callTool("x").text == "fine")
        #expect(await violations.wait(for: 1).first?.contains("not JSON") == true)
    }

    @Test func aMalformedServerRequestIsAnsweredWithInvalidRequest() async throws {
        let server = Self.scripted { message in
            [.raw(#"{"jsonrpc":"2.0","id":"s1","method":"roots/list","params":"nope"}"#),
             ScriptedServer.result(for: message, ["content": []])]
        }
        let client = try await Self.modern(server)
        _ = try await client.callTool("x")
        let answer = try #require(server.sent.first { $0["id"] == "s1" })
        #expect(answer["error"]?["code"] == -32600)
    }

    static let badCallResults: [(JSONValue, String)] = [
        (["resultType": "task", "taskId": "t1"], "resultType"),
        (["content": "text"], "content"),
        (["content": [], "isError": "yes"], "isError"),
        (["resultType": "input_required"], "neither"),
        ("a string", "not an object"),
    ]

    @Test(arguments: badCallResults)
    func resultsOfTheWrongShapeAreProtocolViolations(result: JSONValue, mentions: String) async throws {
        let server = Self.scripted { message in [ScriptedServer.result(for: message, result)] }
        let client = try await Self.modern(server)
        await #expect {
            try await client.callTool("x")
        } throws: { error in
            guard case .protocolViolation(let why) = error as? MCPClientError else { return false }
            return why.contains(mentions)
        }
    }

    @Test func listsOfTheWrongShapeAreProtocolViolations() async throws {
        let server = ScriptedServer { message, occurrence in
            switch message["method"]?.stringValue {
            case "server/discover": return [ScriptedServer.result(for: message, ScriptedServer.discoverResult)]
            case "tools/list": return [ScriptedServer.result(for: message, ["tools": [["title": "no name"]]])]
            case "prompts/list": return [ScriptedServer.result(for: message, ["prompts": [], "nextCursor": "same"])]
            case "resources/list": return [ScriptedServer.result(for: message, ["resources": [], "resultType": "input_required", "requestState": "s"])]
            default: return []
            }
        }
        let client = try await Self.modern(server)
        await #expect { try await client.listTools() } throws: { ($0 as? MCPClientError).map { "\($0)".contains("\"name\"") } ?? false }
        await #expect { try await client.listPrompts() } throws: { ($0 as? MCPClientError).map { "\($0)".contains("nextCursor twice") } ?? false }
        await #expect { try await client.listResources() } throws: { ($0 as? MCPClientError).map { "\($0)".contains("only tools/call") } ?? false }
    }

    // MARK: helpers

    /// A modern scripted server whose `tools/call` answers come from `call`.
    static func scripted(_ call: @escaping @Sendable (JSONValue) -> [ScriptedServer.Reply]) -> ScriptedServer {
        ScriptedServer { message, _ in
            switch message["method"]?.stringValue {
            case "server/discover": return [ScriptedServer.result(for: message, ScriptedServer.discoverResult)]
            case "tools/call": return call(message)
            default: return []
            }
        }
    }

    static func modern(_ server: ScriptedServer, events: MCPClientEvents = MCPClientEvents()) async throws -> MCPClient {
        let client = MCPClient(transport: server, configuration: MCPClientConfiguration(probeTimeout: .seconds(60), requestTimeout: .seconds(30)), events: events)
        #expect(try await client.connect().era == .modern)
        return client
    }
}
