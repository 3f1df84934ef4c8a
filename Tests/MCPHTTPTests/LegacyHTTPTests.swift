import HTTPServer
import HTTPTestSupport
import JSON
import MCP
import MCPHTTP
import MCPServer
import Testing

@Suite("MCP over HTTP, handshake-era sessions")
struct LegacyHTTPTests {
    func initialize(_ live: LiveEndpoint, version: String = "2025-11-25", capabilities: JSONValue = [:]) async throws -> String {
        let body: JSONValue = ["jsonrpc": "2.0", "id": 0, "method": "initialize", "params": [
            "protocolVersion": .string(version), "capabilities": capabilities, "clientInfo": ["name": "t", "version": "1"],
        ]]
        let r = try await live.post(JSONWriter.string(body), headers: []).1
        #expect(r.status == 200)
        #expect(r.json?["result"]?["protocolVersion"] == .string(version))
        let id = try #require(r.header("mcp-session-id"))
        #expect(id.count >= 32)
        #expect(id.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E })
        let note = try await live.post(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, headers: [("Mcp-Session-Id", id), ("MCP-Protocol-Version", version)]).1
        #expect(note.status == 202)
        return id
    }

    func call(_ live: LiveEndpoint, _ session: String, _ id: Int, _ method: String, _ params: JSONValue = [:], version: String = "2025-11-25") async throws -> RawResponse {
        let body: JSONValue = ["jsonrpc": "2.0", "id": .int(Int64(id)), "method": .string(method), "params": params]
        return try await live.post(JSONWriter.string(body), headers: [("Mcp-Session-Id", session), ("MCP-Protocol-Version", version)]).1
    }

    @Test func aSessionLivesFromInitializeToDelete() async throws {
        let live = try LiveEndpoint.start()
        let session = try await initialize(live)
        let list = try await call(live, session, 1, "tools/list")
        #expect(list.status == 200)
        #expect(list.json?["result"]?["resultType"] == nil)
        let missing = try await live.post(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#, headers: []).1
        #expect(missing.status == 400)
        let unknown = try await call(live, "no-such-session", 3, "tools/list")
        #expect(unknown.status == 404)
        let badVersion = try await call(live, session, 4, "tools/list", version: "2025-06-18")
        #expect(badVersion.status == 400)
        // A version nobody defines, on a session: the session's own check names the header.
        let garbage = try await call(live, session, 6, "tools/list", version: "garbage")
        #expect(garbage.status == 400)
        #expect(garbage.json?["error"]?["message"]?.stringValue?.contains("MCP-Protocol-Version 'garbage'") == true, "\(garbage.json ?? .null)")
        let client = try await RawClient.connect(live.address)
        try await client.send("DELETE /mcp HTTP/1.1\r\nHost: \(live.hostHeader)\r\nMcp-Session-Id: \(session)\r\n\r\n")
        #expect(try await client.readResponse().status == 200)
        let after = try await call(live, session, 5, "tools/list")
        #expect(after.status == 404)
        await live.stop()
    }

    @Test func theStandaloneStreamIsSingleAndCarriesListChanges() async throws {
        let live = try LiveEndpoint.start()
        let session = try await initialize(live)
        let stream = try await live.openStream(method: "GET", body: nil, headers: [("Mcp-Session-Id", session), ("MCP-Protocol-Version", "2025-11-25")])
        #expect(stream.status == 200)
        let second = try await RawClient.connect(live.address)
        try await second.send("GET /mcp HTTP/1.1\r\nHost: \(live.hostHeader)\r\nAccept: text/event-stream\r\nMcp-Session-Id: \(session)\r\n\r\n")
        #expect(try await second.readResponse().status == 409)
        _ = try await call(live, session, 1, "tools/call", ["name": "test_trigger_tool_change"])
        let event = try await stream.nextJSON()
        #expect(event?["method"] == "notifications/tools/list_changed")
        stream.close()
        await live.stop()
    }

    @Test func elicitationTravelsOnTheRequestStreamAndTheAnswerIsPosted() async throws {
        let live = try LiveEndpoint.start()
        let session = try await initialize(live, capabilities: ["elicitation": [:]])
        let body = #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"test_elicitation","arguments":{"message":"who?"}}}"#
        let stream = try await live.openStream(body: body, headers: [("Mcp-Session-Id", session), ("MCP-Protocol-Version", "2025-11-25")])
        let ask = try #require(try await stream.nextJSON())
        #expect(ask["method"] == "elicitation/create")
        let answer: JSONValue = ["jsonrpc": "2.0", "id": ask["id"]!, "result": ["action": "accept", "content": ["username": "octo"]]]
        let posted = try await live.post(JSONWriter.string(answer), headers: [("Mcp-Session-Id", session), ("MCP-Protocol-Version", "2025-11-25")]).1
        #expect(posted.status == 202)
        let final = try await stream.nextJSON()
        #expect(final?["id"] == 7)
        #expect(final?["result"]?["content"]?[0]?["text"] == #"accepted: {"username":"octo"}"#)
        await live.stop()
    }

    @Test func aDroppedStreamIsResumedWithLastEventID() async throws {
        let live = try LiveEndpoint.start()
        let session = try await initialize(live)
        let body = #"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"slow_operation","arguments":{"steps":6,"step_ms":40},"_meta":{"progressToken":"t"}}}"#
        let stream = try await live.openStream(body: body, headers: [("Mcp-Session-Id", session), ("MCP-Protocol-Version", "2025-11-25")])
        let first = try #require(try await stream.next())
        let second = try #require(try await stream.next())
        #expect(first.id != nil && second.id != nil)
        stream.close()
        let resumed = try await live.openStream(method: "GET", body: nil, headers: [
            ("Mcp-Session-Id", session), ("MCP-Protocol-Version", "2025-11-25"), ("Last-Event-ID", second.id!),
        ])
        var progress: [JSONValue] = []
        var final: JSONValue?
        while let m = try await resumed.nextJSON() {
            if m["method"] == "notifications/progress" { progress.append(m["params"]?["progress"] ?? nil) }
            if m["id"] == 9 { final = m; break }
        }
        #expect(progress == [3, 4, 5, 6])
        #expect(final?["result"]?["content"]?[0]?["text"] == "completed 6 steps")
        await live.stop()
    }

    @Test func batchesAreAnsweredAsOneArrayOn20250326() async throws {
        let live = try LiveEndpoint.start()
        let session = try await initialize(live, version: "2025-03-26")
        let r = try await live.post(#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"b"}}}]"#,
                                    headers: [("Mcp-Session-Id", session), ("MCP-Protocol-Version", "2025-03-26")]).1
        #expect(r.status == 200)
        #expect(Set(r.json?.arrayValue?.compactMap { $0["id"]?.intValue } ?? []) == [1, 2])
        await live.stop()
    }

    @Test func idleSessionsExpire() async throws {
        // No second request inside the idle window (a saturated test machine can take longer
        // than any short window between two requests): the session is created by `initialize`
        // alone, then must disappear by itself.
        let live = try LiveEndpoint.start { $0.sessionIdleTimeout = .milliseconds(300) }
        let body = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#
        let created = try await live.post(body, headers: []).1
        let session = try #require(created.header("mcp-session-id"))
        #expect(await eventually(timeout: .seconds(60)) { live.endpoint.sessionCount == 0 })
        let r = try await call(live, session, 1, "tools/list")
        #expect(r.status == 404)
        await live.stop()
    }

    @Test func theOldSSETransportAnnouncesItsEndpointAndAnswersOnTheStream() async throws {
        let live = try LiveEndpoint.start()
        let stream = try await live.openStream(method: "GET", body: nil, headers: [], path: "/sse")
        let endpoint = try #require(try await stream.next())
        #expect(endpoint.event == "endpoint")
        #expect(endpoint.data.hasPrefix("/messages?session_id="))
        let initBody = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{}}}"#
        let posted = try await live.post(initBody, headers: [], path: endpoint.data).1
        #expect(posted.status == 202)
        let answer = try await stream.nextJSON()
        #expect(answer?["result"]?["protocolVersion"] == "2024-11-05")
        let unknown = try await live.post(initBody, headers: [], path: "/messages?session_id=nope").1
        #expect(unknown.status == 404)
        stream.close()
        await live.stop()
    }
}
