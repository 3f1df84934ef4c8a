import Foundation
import HTTPClient
import HTTPServer
import JSON
import MCP
@testable import MCPClient
import MCPHTTP
import Testing

/// `LegacySSEClientTransport` (the 2024-11-05 HTTP+SSE transport) against our own endpoint's
/// `/sse` + `/messages` and against scripted servers: the handshake without a probe, progress on
/// the stream, static headers, the endpoint's origin check, the endpoint timeout.
@Suite(.timeLimit(.minutes(1)))
struct LegacySSETransportTests {
    /// A client over `/sse` of our own endpoint plus what the test needs to tear it down.
    struct Setup {
        let server: LiveHTTPEndpoint
        let http: HTTPClient
        let transport: LegacySSEClientTransport
        let client: MCPClient

        func stop() async {
            client.close()
            await server.stop()
            await http.shutdown()
        }
    }

    static func setup(authenticator: Authenticator = .none, headers: [(String, String)] = [],
                      events: MCPClientEvents = MCPClientEvents()) throws -> Setup {
        let server = try LiveHTTPEndpoint.start(authenticator: authenticator)
        let http = HTTPClient()
        let sseURL = String(server.url.dropLast("/mcp".count)) + "/sse"
        let transport = try LegacySSEClientTransport(url: sseURL, headers: headers, client: http)
        let client = MCPClient(transport: transport, configuration: MCPClientConfiguration(probeTimeout: .seconds(60), requestTimeout: .seconds(30)), events: events)
        return Setup(server: server, http: http, transport: transport, client: client)
    }

    @Test func autoGoesStraightToTheHandshakeWithOurServer() async throws {
        let bearer = Authenticator.staticToken("sse-token-value")
        let s = try Self.setup(authenticator: bearer, headers: [("Authorization", "Bearer sse-token-value")])
        do {
            let negotiation = try await s.client.connect(era: .auto)
            #expect(negotiation.era == .legacy)
            #expect(negotiation.protocolVersion == .latestLegacy)
            let endpoint = try #require(s.transport.endpoint)
            #expect(endpoint.hasPrefix(String(s.server.url.dropLast("/mcp".count)) + "/messages?session_id="))
            let names = try await s.client.listTools().map(\.name)
            #expect(names.contains("echo"))
            #expect(try await s.client.callTool("echo", arguments: ["text": "héllo over SSE"]).text == "héllo over SSE")
            let seen = Collector<MCPProgress>()
            let result = try await s.client.callTool("test_tool_with_progress", progress: { seen.append($0) })
            #expect(result.text == "Progress test completed")
            #expect(seen.values.map(\.progress) == [0, 50, 100])
        } catch {
            await s.stop()
            throw error
        }
        #expect(s.server.log.posts("server/discover").isEmpty, "a handshake-only transport is never probed")
        #expect(s.server.log.posts("initialize").count == 1)
        #expect(s.server.log.posts("notifications/initialized").count == 1)
        let entries = s.server.log.all
        #expect(entries.first?.method == "GET")
        #expect(entries.first?.headers["accept"] == "text/event-stream")
        // This client's requests: its event stream and the POSTs to its session's endpoint (a
        // stray request from another test's client to a reused port is not this client's doing).
        let sessionID = try #require(s.transport.endpoint?.split(separator: "=").last.map(String.init))
        let ours = entries.prefix(1) + entries.dropFirst().filter { $0.target.contains(sessionID) }
        #expect(ours.count >= 5, "\(entries.map { "\($0.method) \($0.target)" })")
        #expect(ours.allSatisfy { $0.headers["authorization"] == "Bearer sse-token-value" },
                "\(entries.map { "\($0.method) \($0.target) \($0.headers["authorization"] ?? "-")" })")
        #expect(s.server.log.posts("tools/call").allSatisfy { $0.headers["content-type"] == "application/json" })
        await s.stop()
    }

    @Test func aWrongTokenClosesTheConnectionWithoutRepeatingIt() async throws {
        let s = try Self.setup(authenticator: .staticToken("right-token-value"), headers: [("Authorization", "Bearer wrong-token-value")])
        do {
            try await s.client.connect(era: .legacy)
            Issue.record("a wrong token must not connect")
        } catch {
            #expect(error.description.contains("HTTP 401 Unauthorized"))
            #expect(!error.description.contains("wrong-token-value"), "header values never appear in errors")
        }
        await s.stop()
    }

    @Test func modernIsRefusedUpFront() async throws {
        let s = try Self.setup()
        await #expect(throws: MCPClientError.unsupported("this transport carries only the initialize handshake, not the 2026 protocol")) {
            try await s.client.connect(era: .modern)
        }
        await s.stop()
    }

    @Test func closeEndsTheServersSession() async throws {
        let closed = Collector<String>()
        let s = try Self.setup(events: MCPClientEvents(closed: { closed.append($0) }))
        try await s.client.connect(era: .legacy)
        #expect(s.server.endpoint.sessionCount == 1)
        s.transport.close()
        #expect(await closed.wait(for: 1) == ["the HTTP+SSE transport was closed"])
        for _ in 0..<600 where s.server.endpoint.sessionCount != 0 {
            try await Task.sleep(for: .milliseconds(50))  // hang guard: the server notices the stream go
        }
        #expect(s.server.endpoint.sessionCount == 0)
        await #expect(throws: MCPClientError.closed("the HTTP+SSE transport was closed")) {
            _ = try await s.client.callTool("echo", arguments: ["text": "x"])
        }
        await s.stop()
    }

    @Test func invalidStaticHeadersAreRefused() async throws {
        let http = HTTPClient()
        #expect(throws: HTTPClientError.invalidHeaderValue(name: "Authorization")) {
            _ = try LegacySSEClientTransport(url: "http://127.0.0.1:1/sse", headers: [("Authorization", "Bearer a\r\nX-Evil: 1")], client: http)
        }
        #expect(throws: HTTPClientError.forbiddenHeader("Accept")) {
            _ = try LegacySSEClientTransport(url: "http://127.0.0.1:1/sse", headers: [("Accept", "*/*")], client: http)
        }
        await http.shutdown()
    }

    // MARK: scripted servers

    /// A server whose `/sse` announces `endpoint(port)` (its own port) and then stays open.
    static func announcing(_ endpoint: @escaping @Sendable (String) -> String) throws -> ScriptedHTTPServer {
        try ScriptedHTTPServer { request, _ in
            guard request.method == "GET", request.path == "/sse" else { return .text(202, "Accepted") }
            let port = String((request.headers["host"] ?? "").split(separator: ":").last ?? "")
            return ScriptedHTTPServer.events(["event: endpoint\ndata: \(endpoint(port))\n\n"], thenHold: true)
        }
    }

    @Test(arguments: [
        "http://attacker.example/messages?session_id=1",
        "//attacker.example:8080/messages",
        "https://127.0.0.1:{port}/messages",
        "http://127.0.0.1:1/messages",
    ])
    func anEndpointOnAnotherOriginIsRefused(endpoint: String) async throws {
        let server = try Self.announcing { port in endpoint.replacingOccurrences(of: "{port}", with: port) }
        let http = HTTPClient()
        let transport = try LegacySSEClientTransport(url: server.base + "/sse", headers: [("Authorization", "Bearer keep-me-here")], client: http)
        let client = MCPClient(transport: transport, configuration: MCPClientConfiguration(probeTimeout: .seconds(60), requestTimeout: .seconds(30)))
        do {
            try await client.connect(era: .auto)
            Issue.record("a cross-origin endpoint must be refused")
        } catch {
            guard case .closed(let reason) = error else { Issue.record("expected .closed, got \(error)"); throw error }
            #expect(reason.contains("another origin"))
            #expect(reason.contains("refusing to send requests and their headers there"))
            #expect(!reason.contains("/messages"), "the refusal names origins, not the endpoint's path or query")
        }
        #expect(transport.endpoint == nil)
        #expect(server.log.all.allSatisfy { $0.method == "GET" }, "nothing was POSTed anywhere")
        client.close()
        await server.stop()
        await http.shutdown()
    }

    @Test func aRelativeEndpointIsResolvedAgainstTheSSEURL() async throws {
        let server = try ScriptedHTTPServer { request, _ in
            switch (request.method, request.path) {
            case ("GET", "/deep/sse"):
                return ScriptedHTTPServer.events(["event: endpoint\ndata: ../post/here?session_id=abc\n\n"], thenHold: true)
            case ("POST", "/post/here"):
                return .text(202, "Accepted")
            default:
                return .text(404, "Not Found")
            }
        }
        let http = HTTPClient()
        let transport = try LegacySSEClientTransport(url: server.base + "/deep/sse?x=1", client: http)
        let client = MCPClient(transport: transport, configuration: MCPClientConfiguration(probeTimeout: .seconds(60), requestTimeout: .seconds(30)))
        let connecting = Task { try await client.connect(era: .auto) }
        for _ in 0..<600 where server.log.posts("initialize").isEmpty {
            try await Task.sleep(for: .milliseconds(50))  // hang guard: the POST follows the endpoint event
        }
        #expect(transport.endpoint == server.base + "/post/here?session_id=abc")
        #expect(server.log.posts("initialize").count == 1)
        client.close()
        _ = await connecting.result
        await server.stop()
        await http.shutdown()
    }

    @Test func noEndpointEventInTimeClosesTheConnection() async throws {
        let server = try ScriptedHTTPServer { _, _ in ScriptedHTTPServer.events([": waiting\n\n"], thenHold: true) }
        let http = HTTPClient()
        let transport = try LegacySSEClientTransport(url: server.base + "/sse", client: http, endpointTimeout: .milliseconds(300))
        let client = MCPClient(transport: transport, configuration: MCPClientConfiguration(probeTimeout: .seconds(60), requestTimeout: .seconds(30)))
        do {
            try await client.connect(era: .legacy)
            Issue.record("no endpoint, no connection")
        } catch {
            #expect(error == .closed("the server sent no endpoint event within 0.3 seconds"))
        }
        #expect(server.log.all.allSatisfy { $0.method == "GET" })
        client.close()
        await server.stop()
        await http.shutdown()
    }

    @Test func aPOSTThatFailsFailsItsRequestOnly() async throws {
        let server = try ScriptedHTTPServer { request, _ in
            switch (request.method, request.body.isEmpty ? nil : try? JSONParser.parse(request.body)) {
            case ("GET", _):
                return ScriptedHTTPServer.events(["event: endpoint\ndata: /messages\n\n"], thenHold: true)
            case ("POST", let body?) where body["method"] == "initialize":
                return .text(503, "busy")
            default:
                return .text(202, "Accepted")
            }
        }
        let http = HTTPClient()
        let transport = try LegacySSEClientTransport(url: server.base + "/sse", client: http)
        let client = MCPClient(transport: transport, configuration: MCPClientConfiguration(probeTimeout: .seconds(60), requestTimeout: .seconds(30)))
        await #expect(throws: MCPClientError.server(code: -32603, message: "HTTP 503 Service Unavailable", data: nil)) {
            try await client.connect(era: .legacy)
        }
        #expect(client.closedReason == nil, "the stream is the connection; it is still open")
        client.close()
        await server.stop()
        await http.shutdown()
    }

    // MARK: endpoint resolution (RFC 3986 §5.4)

    @Test(arguments: [
        ("g", "http://a/b/c/g"), ("./g", "http://a/b/c/g"), ("g/", "http://a/b/c/g/"), ("/g", "http://a/g"),
        ("?y", "http://a/b/c/d;p?y"), ("g?y", "http://a/b/c/g?y"), ("#s", "http://a/b/c/d;p?q"), ("g#s", "http://a/b/c/g"),
        (";x", "http://a/b/c/;x"), ("", "http://a/b/c/d;p?q"), (".", "http://a/b/c/"), ("./", "http://a/b/c/"),
        ("..", "http://a/b/"), ("../g", "http://a/b/g"), ("../..", "http://a/"), ("../../g", "http://a/g"),
        ("../../../g", "http://a/g"), ("/./g", "http://a/g"), ("/../g", "http://a/g"), ("g.", "http://a/b/c/g."),
        ("..g", "http://a/b/c/..g"), ("./../g", "http://a/b/g"), ("g/./h", "http://a/b/c/g/h"), ("g/../h", "http://a/b/c/h"),
        ("g;x=1/../y", "http://a/b/c/y"), ("//a/x", "http://a/x"), ("HTTP://A:80/x", "HTTP://A:80/x"),
    ])
    func referencesResolveAsRFC3986Says(reference: String, expected: String) throws {
        #expect(URIReference("http://a/b/c/d;p?q").resolving(URIReference(reference)).text == expected)
        if !reference.isEmpty {  // an empty endpoint event is refused (see below)
            #expect(try MessageEndpoint(resolving: reference, against: "http://a/b/c/d;p?q").url == expected)
        }
    }

    @Test func originsCompareSchemeHostAndPort() {
        func refused(_ endpoint: String, _ base: String) -> String? {
            do {
                _ = try MessageEndpoint(resolving: endpoint, against: base)
                return nil
            } catch {
                return error.reason
            }
        }
        #expect(refused("http://LOCALHOST:80/m", "http://localhost/sse") == nil)
        #expect(refused("https://[::1]/m", "https://[::1]:443/sse") == nil)
        #expect(refused("http://user@host/m", "http://host/sse") == nil, "user information is not part of the origin")
        #expect(refused("http://host:81/m", "http://host/sse")?.contains("(http://host:81) than the SSE URL (http://host:80)") == true)
        #expect(refused("https://host/m", "http://host/sse") != nil)
        #expect(refused("http://[::2]/m", "http://[::1]/sse") != nil)
        #expect(refused("ftp://host/m", "http://host/sse") == "the server's endpoint event names no http or https URL")
        #expect(refused("   ", "http://host/sse") == "the server's endpoint event named no URL")
        #expect(refused("/a b", "http://host/sse") == "the server's endpoint event holds spaces or control characters")
    }
}
