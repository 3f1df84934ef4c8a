import HTTPClient
import HTTPServer
import JSON
import MCPClient
import Testing

/// The HTTP client's own clocks (a minute for the response head and between body bytes, by
/// default) must not end an MCP request its caller still waits for: a request POST waits at
/// least as long as the request's deadline, and a 2026 `subscriptions/listen` as long as it
/// stays open. Here the client's limits are shrunk to half a second and the scripted server
/// answers after 1.5 s, so each test shows the request outliving the client's default.
@Suite(.timeLimit(.minutes(1)))
struct HTTPDeadlineTests {
    /// The HTTP client's limits in these tests: far below the server's 1.5 s pauses.
    static var shortLimits: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeouts.responseHead = .milliseconds(500)
        configuration.timeouts.idle = .milliseconds(500)
        return configuration
    }

    static let pause: Duration = .milliseconds(1500)

    /// A 2026 server at `/mcp`: `server/discover` answered at once, everything else by `answer`.
    static func server(_ answer: @escaping @Sendable (JSONValue) async -> HTTPResponse) throws -> ScriptedHTTPServer {
        try ScriptedHTTPServer { request, _ in
            guard request.method == "POST", let body = try? JSONParser.parse(request.body) else { return .text(405, "Method Not Allowed") }
            if body["method"] == "server/discover" {
                return ScriptedHTTPServer.json(["jsonrpc": "2.0", "id": body["id"] ?? .null, "result": ScriptedServer.discoverResult])
            }
            return await answer(body)
        }
    }

    static func result(_ id: JSONValue, _ text: String) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "result": ["content": [["type": "text", "text": .string(text)]], "isError": false, "resultType": "complete"]]
    }

    static func connect(_ server: ScriptedHTTPServer, _ http: HTTPClient, events: MCPClientEvents = MCPClientEvents()) async throws -> MCPClient {
        let transport = try HTTPClientTransport(url: server.base + "/mcp", client: http)
        let client = MCPClient(transport: transport, configuration: MCPClientConfiguration(requestTimeout: .seconds(30)), events: events)
        try await client.connect(era: .modern)
        return client
    }

    @Test func aJSONAnswerAfterTheClientsHeadLimitArrivesWithinTheCallsDeadline() async throws {
        let server = try Self.server { call in
            try? await Task.sleep(for: Self.pause)
            return ScriptedHTTPServer.json(Self.result(call["id"] ?? .null, "slow but fine"))
        }
        let http = HTTPClient(configuration: Self.shortLimits)
        let client = try await Self.connect(server, http)
        let result = try await client.callTool("slow", timeout: .seconds(30))
        #expect(result.text == "slow but fine")
        client.close()
        await server.stop()
        await http.shutdown()
    }

    @Test func anEventStreamQuietForLongerThanTheClientsIdleLimitStillAnswers() async throws {
        let server = try Self.server { call in
            HTTPResponse.eventStream { writer in
                let progress: JSONValue = ["jsonrpc": "2.0", "method": "notifications/progress",
                                           "params": ["progressToken": call["params"]?["_meta"]?["progressToken"] ?? .null, "progress": 1]]
                try? await writer.write(ScriptedHTTPServer.frame(progress))
                try? await writer.flush()
                try? await Task.sleep(for: Self.pause)
                try? await writer.write(ScriptedHTTPServer.frame(Self.result(call["id"] ?? .null, "after a quiet spell")))
            }
        }
        let http = HTTPClient(configuration: Self.shortLimits)
        let client = try await Self.connect(server, http)
        let seen = Collector<MCPProgress>()
        let result = try await client.callTool("quiet", timeout: .seconds(30), progress: { seen.append($0) })
        #expect(result.text == "after a quiet spell")
        #expect(seen.values.map(\.progress) == [1])
        client.close()
        await server.stop()
        await http.shutdown()
    }

    @Test func aCancelledHandshakeEraCallClosesItsStream() async throws {
        // With limits as long as the call's deadline, nothing else would close a stream the
        // server keeps open (it need not answer a cancelled request): the cancellation does.
        let closed = Collector<String>()
        let server = try HTTPResumptionTests.server(
            call: { call in
                HTTPResponse.eventStream { writer in
                    try? await writer.write(ScriptedHTTPServer.frame(HTTPResumptionTests.progress(call, 1)))
                    try? await writer.flush()
                    while (try? await writer.write(": ping\n\n")) != nil {
                        try? await Task.sleep(for: .milliseconds(50))
                    }
                    closed.append("the call's stream closed")
                }
            },
            get: { _, _ in .text(405, "Method Not Allowed") })
        let http = HTTPClient()
        let (_, client) = try await HTTPResumptionTests.connect(server, http)
        let started = Collector<MCPProgress>()
        let call = Task { try await client.callTool("work", timeout: .seconds(300), progress: { started.append($0) }) }
        _ = await started.wait(for: 1)
        call.cancel()
        await #expect(throws: MCPClientError.cancelled(method: "tools/call")) { try await call.value }
        #expect(await closed.wait(for: 1) == ["the call's stream closed"])
        client.close()
        await server.stop()
        await http.shutdown()
    }

    @Test func aListenStreamQuietForLongerThanTheClientsLimitsStaysOpen() async throws {
        let server = try Self.server { listen in
            guard listen["method"] == "subscriptions/listen" else { return .text(202, "Accepted") }
            let meta: JSONValue = ["io.modelcontextprotocol/subscriptionId": listen["id"] ?? .null]
            return HTTPResponse.eventStream { writer in
                let ack: JSONValue = ["jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
                                      "params": ["notifications": ["toolsListChanged": true], "_meta": meta]]
                try? await writer.write(ScriptedHTTPServer.frame(ack))
                try? await writer.flush()
                try? await Task.sleep(for: Self.pause)
                let changed: JSONValue = ["jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": ["_meta": meta]]
                try? await writer.write(ScriptedHTTPServer.frame(changed))
                try? await writer.flush()
                // Open until the client goes away (a write to a closed connection fails).
                while (try? await writer.write(": ping\n\n")) != nil {
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        }
        let http = HTTPClient(configuration: Self.shortLimits)
        let changes = Collector<MCPClientEvents.ListKind>()
        let client = try await Self.connect(server, http, events: MCPClientEvents(listChanged: { changes.append($0) }))
        let subscription = try await client.listen(toolsChanged: true, timeout: .seconds(30))
        #expect(await changes.wait(for: 1) == [.tools], "the change sent after the quiet spell arrived")
        #expect(subscription.isActive, "the listen is still open")
        subscription.cancel()
        client.close()
        await server.stop()
        await http.shutdown()
    }
}
