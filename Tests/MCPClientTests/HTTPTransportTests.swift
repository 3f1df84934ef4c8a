import HTTPClient
import HTTPServer
import JSON
import MCP
import MCPClient
import MCPHTTP
import class HTTPTestSupport.RefusingPort
import Testing

/// `HTTPClientTransport` against our own `MCPHTTPEndpoint` on loopback: era negotiation over
/// HTTP, pagination, progress on SSE answers, elicitation (2026 rounds; legacy server requests on
/// the response stream), error mapping, static headers reaching the authenticator, sessions.
@Suite(.timeLimit(.minutes(1)))
struct HTTPTransportTests {
    static let eras: [MCPEraPreference] = [.auto, .legacy]
    static let details: JSONValue = ["action": "accept", "content": ["username": "octo", "email": "octo@example.com"]]

    /// A connected client over HTTP plus what the test needs to tear it down.
    struct Setup {
        let server: LiveHTTPEndpoint
        let http: HTTPClient
        let transport: HTTPClientTransport
        let client: MCPClient

        func stop() async {
            client.close()
            await transport.waitUntilClosed()
            await server.stop()
            await http.shutdown()
        }
    }

    static func setup(_ era: MCPEraPreference?, pageSize: Int = 100, tools: Int = 100, authenticator: Authenticator = .none,
                      headers: [(String, String)] = [], events: MCPClientEvents = MCPClientEvents()) async throws -> Setup {
        let server = try LiveHTTPEndpoint.start(pageSize: pageSize, tools: tools, authenticator: authenticator)
        let http = HTTPClient()
        let transport = try HTTPClientTransport(url: server.url, headers: headers, client: http)
        let client = MCPClient(transport: transport, configuration: MCPClientConfiguration(probeTimeout: .seconds(60), requestTimeout: .seconds(30)), events: events)
        let setup = Setup(server: server, http: http, transport: transport, client: client)
        if let era {
            do { try await client.connect(era: era) } catch {
                await setup.stop()
                throw error
            }
        }
        return setup
    }

    @Test func autoNegotiatesTheModernEraWithoutASession() async throws {
        let s = try await Self.setup(.auto)
        #expect(s.client.era == .modern)
        #expect(s.client.protocolVersion == .latestModern)
        #expect(s.transport.sessionID == nil)
        #expect(s.server.endpoint.sessionCount == 0)
        await s.stop()
    }

    @Test func legacyConnectsWithASession() async throws {
        let s = try await Self.setup(.legacy)
        #expect(s.client.era == .legacy)
        #expect(s.client.protocolVersion == .latestLegacy)
        let session = try #require(s.transport.sessionID)
        #expect(!session.isEmpty)
        #expect(s.server.endpoint.sessionCount == 1)
        await s.stop()
    }

    @Test(arguments: eras)
    func listsEveryPageAndCallsEcho(era: MCPEraPreference) async throws {
        let s = try await Self.setup(era, pageSize: 7, tools: 20)
        let tools = try await s.client.listTools()
        let names = tools.map(\.name)
        #expect(names.count > 20, "20 benchmark tools plus the reference tools, over several pages of 7")
        #expect(Set(names).count == names.count)
        #expect(names.contains("echo"))
        let result = try await s.client.callTool("echo", arguments: ["text": "héllo over HTTP"])
        #expect(result.text == "héllo over HTTP")
        #expect(result.isError == false)
        await s.stop()
    }

    @Test(arguments: eras)
    func progressArrivesInOrderBeforeTheResult(era: MCPEraPreference) async throws {
        let s = try await Self.setup(era)
        let seen = Collector<MCPProgress>()
        let result = try await s.client.callTool("test_tool_with_progress", progress: { seen.append($0) })
        #expect(result.text == "Progress test completed")
        #expect(seen.values == [
            MCPProgress(progress: 0, total: 100, message: "step 0"),
            MCPProgress(progress: 50, total: 100, message: "step 50"),
            MCPProgress(progress: 100, total: 100, message: "step 100"),
        ])
        await s.stop()
    }

    @Test(arguments: eras)
    func elicitationIsAnsweredThroughTheInputProvider(era: MCPEraPreference) async throws {
        let asked = Collector<MCPInputRequest>()
        let events = MCPClientEvents(inputProvider: { request in
            asked.append(request)
            return Self.details
        })
        let s = try await Self.setup(era, events: events)
        let result = try await s.client.callTool("test_elicitation", arguments: ["message": "Who are you?"])
        #expect(result.text == #"accepted: {"email":"octo@example.com","username":"octo"}"#)
        let request = try #require(asked.values.first)
        #expect(asked.values.count == 1)
        #expect(request.kind == .elicitation)
        #expect(request.params["message"] == "Who are you?")
        #expect(request.era == (era == .legacy ? .legacy : .modern))
        await s.stop()
    }

    @Test(arguments: eras)
    func unknownToolIsInvalidParams(era: MCPEraPreference) async throws {
        let s = try await Self.setup(era)
        do {
            _ = try await s.client.callTool("no_such_tool")
            Issue.record("an unknown tool must fail")
        } catch {
            #expect(error.serverCode == -32602)
        }
        // The transport is still usable afterwards.
        #expect(try await s.client.callTool("echo", arguments: ["text": "still here"]).text == "still here")
        await s.stop()
    }

    static let bearer = Authenticator.staticToken("s3cret-token-value")

    @Test(arguments: eras)
    func staticHeadersReachTheServer(era: MCPEraPreference) async throws {
        let s = try await Self.setup(era, authenticator: Self.bearer, headers: [("Authorization", "Bearer s3cret-token-value")])
        #expect(try await s.client.callTool("echo", arguments: ["text": "authorized"]).text == "authorized")
        await s.stop()
    }

    @Test(arguments: eras)
    func aWrongTokenFailsWithAClear401(era: MCPEraPreference) async throws {
        let s = try await Self.setup(nil, authenticator: Self.bearer, headers: [("Authorization", "Bearer wrong-token-value")])
        do {
            try await s.client.connect(era: era)
            Issue.record("a wrong token must not connect")
        } catch {
            #expect(error.description.contains("HTTP 401 Unauthorized"))
            #expect(!error.description.contains("wrong-token-value"), "header values never appear in errors")
        }
        await s.stop()
    }

    @Test func invalidStaticHeadersAreRefused() async throws {
        let http = HTTPClient()
        #expect(throws: HTTPClientError.invalidHeaderValue(name: "Authorization")) {
            _ = try HTTPClientTransport(url: "http://127.0.0.1:1/mcp", headers: [("Authorization", "Bearer a\r\nX-Evil: 1")], client: http)
        }
        #expect(throws: HTTPClientError.forbiddenHeader("Mcp-Session-Id")) {
            _ = try HTTPClientTransport(url: "http://127.0.0.1:1/mcp", headers: [("Mcp-Session-Id", "x")], client: http)
        }
        await http.shutdown()
    }

    @Test func closeEndsTheLegacySessionWithDelete() async throws {
        let s = try await Self.setup(.legacy)
        #expect(s.server.endpoint.sessionCount == 1)
        s.client.close()
        await s.transport.waitUntilClosed()
        #expect(s.server.endpoint.sessionCount == 0)
        await s.stop()
    }

    @Test func anExpiredSessionFailsTheRequestClearly() async throws {
        let s = try await Self.setup(.legacy)
        // The server forgets the session: DELETE it behind the client's back.
        let session = try #require(s.transport.sessionID)
        let deleted = try await s.http.send(HTTPClientRequest(method: "DELETE", url: s.server.url, headers: [("Mcp-Session-Id", session)]))
        #expect(deleted.status == 200)
        do {
            _ = try await s.client.callTool("echo", arguments: ["text": "x"])
            Issue.record("a request on an expired session must fail")
        } catch {
            #expect(error.description.contains("HTTP 404"))
            #expect(error.description.contains("session"))
        }
        await s.stop()
    }

    @Test func anUnreachableServerFailsTheRequestWithTheReason() async throws {
        let http = HTTPClient()
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }  // refused until the test ends
        let transport = try HTTPClientTransport(url: "\(refusing.baseURL)/mcp", client: http)
        let client = MCPClient(transport: transport, configuration: MCPClientConfiguration(probeTimeout: .seconds(60), requestTimeout: .seconds(30)))
        do {
            try await client.connect(era: .legacy)
            Issue.record("nobody listens there")
        } catch {
            #expect(error.description.contains("HTTP request failed: connect failed"))
            // Our side's failure, never presented as something the server said.
            #expect(error.serverCode == nil && error.description.hasPrefix("MCP transport failed"), "\(error)")
        }
        client.close()
        await http.shutdown()
    }

    @Test func cancellingAModernCallClosesItsStream() async throws {
        let s = try await Self.setup(.auto)
        let started = Collector<MCPProgress>()
        let call = Task {
            try await s.client.callTool("slow_operation", arguments: ["steps": 1000, "step_ms": 20], progress: { started.append($0) })
        }
        _ = await started.wait(for: 1)
        call.cancel()
        do {
            _ = try await call.value
            Issue.record("a cancelled call must not complete")
        } catch let error as MCPClientError {
            #expect(error == .cancelled(method: "tools/call"))
        }
        // The connection stays usable.
        #expect(try await s.client.callTool("echo", arguments: ["text": "after"]).text == "after")
        await s.stop()
    }

    @Test func modernRequestsCarryTheRoutingHeaders() async throws {
        let s = try await Self.setup(.auto, headers: [("Authorization", "Bearer abc")])
        _ = try await s.client.callTool("echo", arguments: ["text": "x"])
        let discover = try #require(s.server.log.posts("server/discover").first)
        #expect(discover.headers["mcp-protocol-version"] == "2026-07-28")
        #expect(discover.headers["mcp-method"] == "server/discover")
        let call = try #require(s.server.log.posts("tools/call").first)
        #expect(call.headers["mcp-protocol-version"] == "2026-07-28")
        #expect(call.headers["mcp-method"] == "tools/call")
        #expect(call.headers["mcp-name"] == "echo")
        #expect(call.headers["content-type"] == "application/json")
        #expect(call.headers["accept"] == "application/json, text/event-stream")
        #expect(call.headers["mcp-session-id"] == nil)
        #expect(s.server.log.all.allSatisfy { $0.headers["authorization"] == "Bearer abc" })
        #expect(s.server.log.posts("initialize").isEmpty)
        await s.stop()
    }

    @Test func aNonASCIINameIsBase64EncodedInMcpName() async throws {
        let s = try await Self.setup(.auto)
        do {
            _ = try await s.client.callTool("outil-é")
            Issue.record("no such tool")
        } catch {
            // −32602 (unknown tool), not −32020: the server decoded the header and it matched.
            #expect(error.serverCode == -32602)
        }
        let call = try #require(s.server.log.posts("tools/call").first)
        #expect(call.headers["mcp-name"] == "=?base64?b3V0aWwtw6k=?=")
        await s.stop()
    }

    @Test func legacyRequestsCarryTheSessionAndCloseDeletesIt() async throws {
        let s = try await Self.setup(.legacy)
        _ = try await s.client.callTool("echo", arguments: ["text": "x"])
        let session = try #require(s.transport.sessionID)
        let initialize = try #require(s.server.log.posts("initialize").first)
        #expect(initialize.headers["mcp-protocol-version"] == nil)
        #expect(initialize.headers["mcp-session-id"] == nil)
        for later in s.server.log.posts("notifications/initialized") + s.server.log.posts("tools/call") {
            #expect(later.headers["mcp-session-id"] == session)
            #expect(later.headers["mcp-protocol-version"] == "2025-11-25")
            #expect(later.headers["mcp-method"] == nil)
        }
        #expect(s.server.log.posts("notifications/initialized").count == 1)
        s.client.close()
        await s.transport.waitUntilClosed()
        let delete = try #require(s.server.log.all.last)
        #expect(delete.method == "DELETE")
        #expect(delete.headers["mcp-session-id"] == session)
        await s.stop()
    }

    @Test func legacyCancellationIsPostedAsANotification() async throws {
        let s = try await Self.setup(.legacy)
        let started = Collector<MCPProgress>()
        let call = Task {
            try await s.client.callTool("slow_operation", arguments: ["steps": 1000, "step_ms": 20], progress: { started.append($0) })
        }
        _ = await started.wait(for: 1)
        call.cancel()
        await #expect(throws: MCPClientError.cancelled(method: "tools/call")) { try await call.value }
        let callID = try #require(s.server.log.posts("tools/call").first?.body?["id"])
        for _ in 0..<600 where s.server.log.posts("notifications/cancelled").isEmpty {
            try await Task.sleep(for: .milliseconds(50))  // hang guard: the POST follows the cancellation
        }
        let cancel = try #require(s.server.log.posts("notifications/cancelled").first)
        #expect(cancel.body?["params"]?["requestId"] == callID)
        #expect(cancel.headers["mcp-session-id"] == s.transport.sessionID)
        await s.stop()
    }
}

/// The legacy session's standalone GET stream (DIGEST §13).
@Suite(.timeLimit(.minutes(1)))
struct HTTPSessionStreamTests {
    @Test func listChangesArriveOnTheSessionStream() async throws {
        let changed = Collector<MCPClientEvents.ListKind>()
        let s = try await HTTPTransportTests.setup(.legacy, events: MCPClientEvents(listChanged: { changed.append($0) }))
        for _ in 0..<600 where !s.transport.isSessionStreamOpen {
            try await Task.sleep(for: .milliseconds(50))  // hang guard: the GET follows notifications/initialized
        }
        #expect(s.transport.isSessionStreamOpen)
        let get = try #require(s.server.log.all.first { $0.method == "GET" })
        #expect(get.headers["mcp-session-id"] == s.transport.sessionID)
        #expect(get.headers["mcp-protocol-version"] == "2025-11-25")
        _ = try await s.client.callTool("test_trigger_tool_change")
        #expect(await changed.wait(for: 1) == [.tools])
        await s.stop()
    }

    @Test func theModernEraOpensNoStream() async throws {
        let s = try await HTTPTransportTests.setup(.auto)
        _ = try await s.client.callTool("echo", arguments: ["text": "x"])
        #expect(!s.server.log.all.contains { $0.method == "GET" })
        #expect(!s.transport.isSessionStreamOpen)
        await s.stop()
    }
}
