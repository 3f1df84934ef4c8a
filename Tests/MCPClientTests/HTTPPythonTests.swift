import HTTPClient
import JSON
import MCPClient
import Testing

/// `HTTPClientTransport` against the official Python SDK servers over Streamable HTTP: 2.3.0
/// `MCPServer` (dual era: `auto` must settle on 2026 without a session) and 1.x `FastMCP`
/// (sessions only: `auto` must fall back to `initialize` and keep the session id).
@Suite(.timeLimit(.minutes(2)))
struct HTTPPythonTests {
    static func run(_ venv: String, _ script: String, events: MCPClientEvents = MCPClientEvents(),
                    _ body: (MCPClient, HTTPClientTransport) async throws -> Void) async throws {
        let python = try await Fixtures.venvTool(venv)
        let http = HTTPClient()
        let server: PythonHTTPServer
        do { server = try await PythonHTTPServer.start(python: python, script: script, client: http) } catch {
            await http.shutdown()
            throw error
        }
        let transport = try HTTPClientTransport(url: server.url, client: http)
        let client = MCPClient(transport: transport, configuration: MCPClientConfiguration(probeTimeout: .seconds(60), requestTimeout: .seconds(30)), events: events)
        do {
            try await body(client, transport)
        } catch {
            Issue.record("server output: \(server.output)")
            client.close()
            await transport.waitUntilClosed()
            await server.stop()
            await http.shutdown()
            throw error
        }
        client.close()
        await transport.waitUntilClosed()
        await server.stop()
        await http.shutdown()
    }

    @Test func sdk230ServerIsModernOverHTTP() async throws {
        let events = MCPClientEvents(inputProvider: { _ in ["action": "accept", "content": ["name": "octo"]] })
        try await Self.run(".venv-interop", Fixtures.modernServerScript, events: events) { client, transport in
            let negotiation = try await client.connect(era: .auto)
            #expect(negotiation.era == .modern)
            #expect(transport.sessionID == nil)
            let names = try await client.listTools().map(\.name)
            #expect(Set(names) == ["echo", "whoami", "steps"])
            #expect(try await client.callTool("echo", arguments: ["text": "hi from swift"]).text == "hi from swift")
            let seen = Collector<MCPProgress>()
            #expect(try await client.callTool("steps", arguments: ["n": 3], progress: { seen.append($0) }).text == "did 3 steps")
            #expect(seen.values.map(\.progress) == [1, 2, 3])
            #expect(try await client.callTool("whoami").text == "hello octo")
        }
    }

    @Test func sdk1ServerFallsBackToALegacySession() async throws {
        let events = MCPClientEvents(inputProvider: { _ in ["action": "accept", "content": ["name": "Ada"]] })
        try await Self.run(".venv-legacy", Fixtures.legacyServerScript, events: events) { client, transport in
            let negotiation = try await client.connect(era: .auto)
            #expect(negotiation.era == .legacy)
            let session = try #require(transport.sessionID)
            #expect(!session.isEmpty)
            let names = try await client.listTools().map(\.name)
            #expect(Set(names) == ["add", "ask_name", "count", "shout"])
            #expect(try await client.callTool("add", arguments: ["a": 2, "b": 40]).text == "42")
            let seen = Collector<MCPProgress>()
            #expect(try await client.callTool("count", arguments: ["n": 3], progress: { seen.append($0) }).text == "counted to 3")
            #expect(seen.values.map(\.progress) == [1, 2, 3])
            #expect(try await client.callTool("ask_name").text == "hello Ada")
        }
    }
}
