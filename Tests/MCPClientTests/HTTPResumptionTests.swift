import HTTPClient
import HTTPServer
import JSON
import JSONRPC
import MCPClient
import Testing

/// `Last-Event-ID` resumption in `HTTPClientTransport` (DIGEST §13) against scripted handshake-era
/// servers: a call stream that ends before its response is resumed with the session's headers
/// after the stream's `retry:` time, whether the server ended it or the connection dropped; a 405,
/// a stream without ids, the 2026 era and fruitless reconnections fail the call clearly; the
/// session's GET stream is reopened where it ended.
@Suite(.timeLimit(.minutes(1)))
struct HTTPResumptionTests {
    /// A handshake-era server at `/mcp`: `initialize` opens session `session-1`, notifications are
    /// accepted, `tools/call` is answered by `call`, and every GET by `get`.
    static func server(call: @escaping @Sendable (JSONValue) -> HTTPResponse,
                       get: @escaping @Sendable (HTTPRequest, ScriptedHTTPServer.Context) -> HTTPResponse) throws -> ScriptedHTTPServer {
        try ScriptedHTTPServer { request, context in
            switch request.method {
            case "POST":
                guard let body = try? JSONParser.parse(request.body) else { return .text(400, "Bad Request") }
                switch body["method"]?.stringValue {
                case "initialize":
                    return ScriptedHTTPServer.json(["jsonrpc": "2.0", "id": body["id"] ?? .null, "result": ScriptedServer.initializeResult()],
                                                   headers: ["Mcp-Session-Id": "session-1"])
                case "server/discover":
                    return ScriptedHTTPServer.json(["jsonrpc": "2.0", "id": body["id"] ?? .null, "result": ScriptedServer.discoverResult])
                case "tools/call":
                    return call(body)
                default:
                    return .text(202, "Accepted")
                }
            case "GET":
                return get(request, context)
            default:
                return .text(405, "Method Not Allowed")
            }
        }
    }

    static func progress(_ call: JSONValue, _ n: Int) -> JSONValue {
        ["jsonrpc": "2.0", "method": "notifications/progress",
         "params": ["progressToken": call["params"]?["_meta"]?["progressToken"] ?? .null, "progress": .int(Int64(n)), "total": 2]]
    }

    static func result(_ id: JSONValue, _ text: String) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "result": ["content": [["type": "text", "text": .string(text)]], "isError": false]]
    }

    static func connect(_ server: ScriptedHTTPServer, _ http: HTTPClient, era: MCPEraPreference = .legacy,
                        resumption: HTTPResumptionPolicy = HTTPResumptionPolicy(), events: MCPClientEvents = MCPClientEvents(),
                        onResume: (@Sendable (HTTPStreamResumption) -> Void)? = nil) async throws -> (HTTPClientTransport, MCPClient) {
        let transport = try HTTPClientTransport(url: server.base + "/mcp", headers: [("Authorization", "Bearer abc")], client: http,
                                                resumption: resumption, onResume: onResume)
        let client = MCPClient(transport: transport, configuration: MCPClientConfiguration(probeTimeout: .seconds(60), requestTimeout: .seconds(30)), events: events)
        try await client.connect(era: era)
        return (transport, client)
    }

    static func resumes(_ server: ScriptedHTTPServer) -> [RequestLog.Entry] {
        server.log.all.filter { $0.method == "GET" && $0.headers["last-event-id"] != nil }
    }

    @Test func aCallStreamThatEndsEarlyIsResumedFromItsLastEventID() async throws {
        let calls = Collector<JSONValue>()
        let server = try Self.server(
            call: { call in
                calls.append(call)
                return ScriptedHTTPServer.events([ScriptedHTTPServer.frame(Self.progress(call, 1), id: "e1", retry: 30)])
            },
            get: { request, context in
                guard let last = request.headers["last-event-id"], let call = calls.values.last else { return .text(405, "Method Not Allowed") }
                context.timeline.append("GET with Last-Event-ID \(last)")
                return ScriptedHTTPServer.events([
                    ScriptedHTTPServer.frame(Self.progress(call, 2), id: "e2"),
                    ScriptedHTTPServer.frame(Self.result(call["id"] ?? .null, "resumed"), id: "e3"),
                ], thenHold: true)
            })
        let http = HTTPClient()
        let observed = Collector<HTTPStreamResumption>()
        let (_, client) = try await Self.connect(server, http) { resumption in
            observed.append(resumption)
            server.timeline.append("resuming from \(resumption.lastEventID) after \(resumption.delay)")
        }
        let seen = Collector<MCPProgress>()
        let result = try await client.callTool("work", progress: { seen.append($0) })
        #expect(result.text == "resumed")
        #expect(seen.values.map(\.progress) == [1, 2])
        let callID = try #require(calls.values.first?["id"]).flatMap(RequestID.init)
        #expect(observed.values == [HTTPStreamResumption(requestID: callID, lastEventID: "e1", delay: .milliseconds(30), attempt: 1)])
        #expect(server.timeline.values == ["resuming from e1 after 0.03 seconds", "GET with Last-Event-ID e1"],
                "the reconnection waits for the server's retry: time, then sends the last id")
        let resume = try #require(Self.resumes(server).first)
        #expect(Self.resumes(server).count == 1)
        #expect(resume.headers["last-event-id"] == "e1")
        #expect(resume.headers["mcp-session-id"] == "session-1")
        #expect(resume.headers["mcp-protocol-version"] == "2025-11-25")
        #expect(resume.headers["accept"] == "text/event-stream")
        #expect(resume.headers["authorization"] == "Bearer abc")
        client.close()
        await server.stop()
        await http.shutdown()
    }

    @Test func aConnectionThatDropsMidStreamIsResumed() async throws {
        let calls = Collector<JSONValue>()
        let server = try Self.server(
            call: { call in
                calls.append(call)
                // Then silence: the client's overall limit drops the connection mid-stream (its
                // idle limit would not: a request's stream may stay quiet for its whole deadline).
                return ScriptedHTTPServer.events([ScriptedHTTPServer.frame(Self.progress(call, 1), id: "e1", retry: 0)], thenHold: true)
            },
            get: { request, _ in
                guard request.headers["last-event-id"] == "e1", let call = calls.values.last else { return .text(405, "Method Not Allowed") }
                return ScriptedHTTPServer.events([ScriptedHTTPServer.frame(Self.result(call["id"] ?? .null, "resumed"), id: "e2")])
            })
        var configuration = HTTPClient.Configuration()
        // Generous, so that the quick exchanges before the call stay well within it.
        configuration.timeouts.overall = .seconds(2)
        let http = HTTPClient(configuration: configuration)
        let (_, client) = try await Self.connect(server, http)
        let seen = Collector<MCPProgress>()
        #expect(try await client.callTool("work", progress: { seen.append($0) }).text == "resumed")
        #expect(seen.values.map(\.progress) == [1])
        #expect(Self.resumes(server).map { $0.headers["last-event-id"] } == ["e1"])
        client.close()
        await server.stop()
        await http.shutdown()
    }

    @Test func aResumedStreamQuietForLongerThanTheClientsIdleLimitStillAnswers() async throws {
        let calls = Collector<JSONValue>()
        let server = try Self.server(
            call: { call in
                calls.append(call)
                return ScriptedHTTPServer.events([ScriptedHTTPServer.frame(Self.progress(call, 1), id: "e1", retry: 0)])
            },
            get: { request, _ in
                guard request.headers["last-event-id"] == "e1", let call = calls.values.last else { return .text(405, "Method Not Allowed") }
                return HTTPResponse.eventStream { writer in
                    try? await writer.flush()
                    try? await Task.sleep(for: .milliseconds(1500))
                    try? await writer.write(ScriptedHTTPServer.frame(Self.result(call["id"] ?? .null, "resumed after a quiet spell"), id: "e2"))
                }
            })
        // The client's idle limit is far below the server's pause; the call's deadline is not.
        var configuration = HTTPClient.Configuration()
        configuration.timeouts.idle = .milliseconds(500)
        let http = HTTPClient(configuration: configuration)
        let (_, client) = try await Self.connect(server, http)
        #expect(try await client.callTool("work", progress: { _ in }).text == "resumed after a quiet spell")
        #expect(Self.resumes(server).map { $0.headers["last-event-id"] } == ["e1"], "one resumption was enough")
        client.close()
        await server.stop()
        await http.shutdown()
    }

    @Test func aServerThatAnswers405FailsTheCallClearly() async throws {
        let server = try Self.server(
            call: { call in ScriptedHTTPServer.events([ScriptedHTTPServer.frame(Self.progress(call, 1), id: "e1", retry: 0)]) },
            get: { _, _ in .text(405, "Method Not Allowed") })
        let http = HTTPClient()
        let (_, client) = try await Self.connect(server, http)
        do {
            _ = try await client.callTool("work", progress: { _ in })
            Issue.record("a stream the server will not resume cannot answer")
        } catch {
            #expect(error.serverCode == -32603)
            #expect(error.description.contains("the server's event stream ended before it answered the request"))
            #expect(error.description.contains("does not allow resuming it (HTTP 405 Method Not Allowed to GET with Last-Event-ID)"))
        }
        #expect(Self.resumes(server).map { $0.headers["last-event-id"] } == ["e1"])
        client.close()
        await server.stop()
        await http.shutdown()
    }

    @Test func aStreamWithoutIdsIsNotResumed() async throws {
        let server = try Self.server(
            call: { call in ScriptedHTTPServer.events([ScriptedHTTPServer.frame(Self.progress(call, 1), retry: 0)]) },
            get: { _, _ in .text(405, "Method Not Allowed") })
        let http = HTTPClient()
        let (_, client) = try await Self.connect(server, http)
        do {
            _ = try await client.callTool("work", progress: { _ in })
            Issue.record("the stream ended without the response")
        } catch {
            #expect(error.description.contains("the server ended the event stream without answering the request"))
        }
        #expect(Self.resumes(server).isEmpty)
        client.close()
        await server.stop()
        await http.shutdown()
    }

    @Test func fruitlessReconnectionsAreBounded() async throws {
        let server = try Self.server(
            call: { call in ScriptedHTTPServer.events([ScriptedHTTPServer.frame(Self.progress(call, 1), id: "e1", retry: 0)]) },
            get: { request, _ in
                guard request.headers["last-event-id"] != nil else { return .text(405, "Method Not Allowed") }
                return ScriptedHTTPServer.events([": nothing new\n\n"])
            })
        let http = HTTPClient()
        let observed = Collector<HTTPStreamResumption>()
        let (_, client) = try await Self.connect(server, http, resumption: HTTPResumptionPolicy(maxAttempts: 3)) { observed.append($0) }
        do {
            _ = try await client.callTool("work", progress: { _ in })
            Issue.record("a server that never sends the response cannot answer")
        } catch {
            #expect(error.description.contains("3 attempts in a row to resume it with Last-Event-ID brought nothing new"))
            #expect(error.description.contains("the server ended the resumed stream"))
        }
        #expect(observed.values.map(\.attempt) == [1, 2, 3])
        #expect(observed.values.allSatisfy { $0.delay == .zero && $0.lastEventID == "e1" })
        #expect(Self.resumes(server).count == 3)
        client.close()
        await server.stop()
        await http.shutdown()
    }

    @Test func theModernEraIsNeverResumed() async throws {
        let server = try Self.server(
            call: { call in ScriptedHTTPServer.events([ScriptedHTTPServer.frame(Self.progress(call, 1), id: "e1", retry: 0)]) },
            get: { _, _ in .text(405, "Method Not Allowed") })
        let http = HTTPClient()
        let (_, client) = try await Self.connect(server, http, era: .auto)
        #expect(client.era == .modern)
        do {
            _ = try await client.callTool("work", progress: { _ in })
            Issue.record("the stream ended without the response")
        } catch {
            #expect(error.description.contains("the server ended the event stream without answering the request"))
        }
        #expect(!server.log.all.contains { $0.method == "GET" }, "2026 servers ignore Last-Event-ID")
        client.close()
        await server.stop()
        await http.shutdown()
    }

    @Test func theSessionStreamIsReopenedWhereItEnded() async throws {
        let listChanged: @Sendable (String) -> JSONValue = { kind in ["jsonrpc": "2.0", "method": .string("notifications/\(kind)/list_changed")] }
        let server = try Self.server(
            call: { call in ScriptedHTTPServer.json(Self.result(call["id"] ?? .null, "ok")) },
            get: { request, _ in
                switch request.headers["last-event-id"] {
                case nil: return ScriptedHTTPServer.events([ScriptedHTTPServer.frame(listChanged("tools"), id: "g1")])
                case "g1": return ScriptedHTTPServer.events([ScriptedHTTPServer.frame(listChanged("prompts"), id: "g2")], thenHold: true)
                default: return .text(400, "Bad Request")
                }
            })
        let http = HTTPClient()
        let changed = Collector<MCPClientEvents.ListKind>()
        let observed = Collector<HTTPStreamResumption>()
        let (transport, client) = try await Self.connect(
            server, http, resumption: HTTPResumptionPolicy(defaultDelay: .milliseconds(10)),
            events: MCPClientEvents(listChanged: { changed.append($0) })) { observed.append($0) }
        #expect(await changed.wait(for: 2) == [.tools, .prompts])
        #expect(observed.values == [HTTPStreamResumption(requestID: nil, lastEventID: "g1", delay: .milliseconds(10), attempt: 1)])
        let resume = try #require(Self.resumes(server).first)
        #expect(resume.headers["mcp-session-id"] == "session-1")
        for _ in 0..<600 where !transport.isSessionStreamOpen {
            try await Task.sleep(for: .milliseconds(50))  // hang guard: the reopened stream stays open
        }
        #expect(transport.isSessionStreamOpen)
        client.close()
        await server.stop()
        await http.shutdown()
    }
}

/// Resumption against the official Python SDK 1.x server with an event store: the server closes
/// a call's stream mid-call (`close_sse_stream`) and the session's GET stream
/// (`close_standalone_sse_stream`), and replays what the client missed.
@Suite(.timeLimit(.minutes(2)))
struct HTTPResumptionPythonTests {
    static func run(events: MCPClientEvents = MCPClientEvents(), onResume: @escaping @Sendable (HTTPStreamResumption) -> Void,
                    _ body: (MCPClient, HTTPClientTransport) async throws -> Void) async throws {
        let python = try await Fixtures.venvTool(".venv-legacy")
        let http = HTTPClient()
        let server: PythonHTTPServer
        do { server = try await PythonHTTPServer.start(python: python, script: Fixtures.resumableServerScript, client: http) } catch {
            await http.shutdown()
            if "\(error)".contains("UNSUPPORTED") { try Test.cancel("skipped: the legacy SDK in .venv-legacy has no resumable streams") }
            throw error
        }
        let transport = try HTTPClientTransport(url: server.url, client: http, resumption: HTTPResumptionPolicy(defaultDelay: .milliseconds(100)),
                                                onResume: onResume)
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

    @Test func aCallStreamClosedByTheServerIsResumed() async throws {
        let observed = Collector<HTTPStreamResumption>()
        try await Self.run(onResume: { observed.append($0) }) { client, _ in
            try await client.connect(era: .legacy)
            let seen = Collector<MCPProgress>()
            #expect(try await client.callTool("interrupted", progress: { seen.append($0) }).text == "finished while you were away")
            #expect(seen.values.map(\.progress) == [1, 2])
            let resumption = try #require(observed.values.first { $0.requestID != nil })
            #expect(resumption.delay == .milliseconds(50), "the priming event's retry: 50")
            #expect(!resumption.lastEventID.isEmpty)
            #expect(try await client.callTool("add", arguments: ["a": 1, "b": 2]).text == "3")
        }
    }

    @Test func theSessionStreamClosedByTheServerIsResumed() async throws {
        let changed = Collector<MCPClientEvents.ListKind>()
        let observed = Collector<HTTPStreamResumption>()
        try await Self.run(events: MCPClientEvents(listChanged: { changed.append($0) }), onResume: { observed.append($0) }) { client, transport in
            try await client.connect(era: .legacy)
            for _ in 0..<600 where !transport.isSessionStreamOpen {
                try await Task.sleep(for: .milliseconds(50))  // hang guard: the GET follows notifications/initialized
            }
            #expect(try await client.callTool("announce").text == "announced")
            #expect(await changed.wait(for: 1) == [.tools], "the GET stream now has an event id")
            #expect(try await client.callTool("drop_session_stream").text == "dropped")
            #expect(await changed.wait(for: 2) == [.tools, .prompts], "the prompt change was replayed on the resumed stream")
            #expect(observed.values.contains { $0.requestID == nil })
        }
    }
}
