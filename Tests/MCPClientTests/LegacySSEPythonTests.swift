import HTTPClient
import JSON
import MCPClient
import Testing

/// `LegacySSEClientTransport` against the official Python SDK 1.x server on the 2024-11-05
/// HTTP+SSE transport (`FastMCP.run(transport="sse")`): the handshake, lists and calls, progress
/// and log notifications on the stream, and a server that dies under pending requests.
@Suite(.timeLimit(.minutes(2)))
struct LegacySSEPythonTests {
    static func run(events: MCPClientEvents = MCPClientEvents(),
                    _ body: (MCPClient, LegacySSEClientTransport) async throws -> Void) async throws {
        let python = try await Fixtures.venvTool(".venv-legacy")
        let http = HTTPClient()
        let server: PythonHTTPServer
        do { server = try await PythonHTTPServer.start(python: python, script: Fixtures.sseServerScript, client: http, path: "/sse") } catch {
            await http.shutdown()
            throw error
        }
        let transport = try LegacySSEClientTransport(url: server.url, client: http)
        let client = MCPClient(transport: transport, configuration: MCPClientConfiguration(probeTimeout: .seconds(60), requestTimeout: .seconds(30)), events: events)
        do {
            try await body(client, transport)
        } catch {
            Issue.record("server output: \(server.output)")
            client.close()
            await server.stop()
            await http.shutdown()
            throw error
        }
        client.close()
        await server.stop()
        await http.shutdown()
    }

    @Test func sdk1SSEServerSpeaksTheHandshake() async throws {
        let logs = Collector<MCPLogMessage>()
        try await Self.run(events: MCPClientEvents(log: { logs.append($0) })) { client, transport in
            let negotiation = try await client.connect(era: .auto)
            #expect(negotiation.era == .legacy)
            #expect(negotiation.protocolVersion == .latestLegacy)
            #expect(negotiation.serverName == "sse-fixture")
            let endpoint = try #require(transport.endpoint)
            #expect(endpoint.hasPrefix(String(transport.url.dropLast("/sse".count)) + "/messages/?session_id="))
            let names = try await client.listTools().map(\.name)
            #expect(Set(names) == ["add", "count", "nap", "vanish"])
            #expect(try await client.callTool("add", arguments: ["a": 2, "b": 40]).text == "42")
            let seen = Collector<MCPProgress>()
            #expect(try await client.callTool("count", arguments: ["n": 3], progress: { seen.append($0) }).text == "counted to 3")
            #expect(seen.values.map(\.progress) == [1, 2, 3])
            #expect(seen.values.map(\.message) == ["step 1", "step 2", "step 3"])
            #expect(logs.values.map(\.data) == ["step 1", "step 2", "step 3"])
            #expect(logs.values.allSatisfy { $0.level == .info })
        }
    }

    @Test func aServerThatGoesAwayFailsEveryPendingRequest() async throws {
        let closed = Collector<String>()
        try await Self.run(events: MCPClientEvents(closed: { closed.append($0) })) { client, _ in
            try await client.connect(era: .legacy)
            let started = Collector<MCPProgress>()
            let napping = Task { try await client.callTool("nap", arguments: ["seconds": 60], progress: { started.append($0) }) }
            _ = await started.wait(for: 1)  // the nap is running on the server
            let vanishing = Task { try await client.callTool("vanish") }
            for call in [napping, vanishing] {
                do {
                    _ = try await call.value
                    Issue.record("a call to a server that went away must fail")
                } catch let error as MCPClientError {
                    // How the death shows depends on timing: the event stream breaks or ends, or
                    // (for a request still being posted) the POST fails. Each says so.
                    switch error {
                    case .closed(let reason):
                        #expect(reason.hasPrefix("the server's event stream failed") || reason.hasPrefix("the server ended the event stream"),
                                "the reason says the stream ended: \(reason)")
                    case .transport(let reason):
                        #expect(reason.contains("HTTP request failed"), "\(reason)")
                    default:
                        Issue.record("expected .closed or .transport, got \(error)")
                    }
                }
            }
            #expect(await closed.wait(for: 1).count == 1)
            #expect(client.closedReason != nil)
        }
    }
}
