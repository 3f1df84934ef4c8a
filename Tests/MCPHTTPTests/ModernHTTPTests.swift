import HTTPServer
import HTTPTestSupport
import JSON
import MCP
import MCPHTTP
import MCPServer
import Synchronization
import Testing

@Suite("MCP over HTTP, 2026-07-28")
struct ModernHTTPTests {
    @Test func aQuietRequestIsAnsweredWithJSON() async throws {
        let live = try LiveEndpoint.start()
        let r = try await live.modern(1, "tools/call", ["name": "echo", "arguments": ["text": "hi"]], name: "echo")
        #expect(r.status == 200)
        #expect(r.header("content-type") == "application/json")
        #expect(r.json?["result"]?["content"]?[0]?["text"] == "hi")
        #expect(r.header("mcp-session-id") == nil)
        await live.stop()
    }

    @Test func aRequestThatReportsProgressIsAnsweredWithSSE() async throws {
        let live = try LiveEndpoint.start()
        let body: JSONValue = ["jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": [
            "name": "test_tool_with_progress",
            "_meta": ["io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": [:], "progressToken": "p"],
        ]]
        let stream = try await live.openStream(body: JSONWriter.string(body), headers: [
            ("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/call"), ("Mcp-Name", "test_tool_with_progress"),
        ])
        #expect(stream.status == 200)
        #expect(stream.headers["content-type"] == "text/event-stream")
        var progress: [JSONValue] = []
        var final: JSONValue?
        while let m = try await stream.nextJSON() {
            if m["method"] == "notifications/progress" { progress.append(m["params"]?["progress"] ?? nil) }
            if m["id"] == 2 { final = m; break }
        }
        #expect(progress == [0, 50, 100])
        #expect(final?["result"]?["content"]?[0]?["text"] == "Progress test completed")
        await live.stop()
    }

    @Test func routingHeadersMustMatchTheBody() async throws {
        let live = try LiveEndpoint.start()
        let params: JSONObject = ["name": "echo", "arguments": ["text": "x"]]
        let wrongName = try await live.modern(1, "tools/call", params, name: "other")
        #expect(wrongName.status == 400)
        #expect(wrongName.errorCode == -32020)
        #expect(wrongName.json?["id"] == 1)
        let noName = try await live.modern(2, "tools/call", params)
        #expect(noName.errorCode == -32020)
        let wrongMethod = try await live.modern(3, "tools/list", headers: [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/call")])
        #expect(wrongMethod.errorCode == -32020)
        let noMethod = try await live.modern(4, "tools/list", headers: [("MCP-Protocol-Version", "2026-07-28")])
        #expect(noMethod.errorCode == -32020)
        let versionMismatch = try await live.post(
            #"{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#,
            headers: [("MCP-Protocol-Version", "2099-01-01"), ("Mcp-Method", "tools/list")]).1
        #expect(versionMismatch.errorCode == -32020)
        let duplicated = try await live.modern(6, "tools/list", headers: [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/list"), ("Mcp-Method", "tools/list")])
        #expect(duplicated.errorCode == -32020)
        await live.stop()
    }

    @Test func encodedHeaderValuesAreDecodedBeforeComparison() async throws {
        let live = try LiveEndpoint.start()
        let uri = "test://ünïcode"
        let encoded = HeaderValue.encode(uri)
        #expect(encoded.hasPrefix("=?base64?"))
        #expect(HeaderValue.decode(encoded) == uri)
        let r = try await live.modern(1, "resources/read", ["uri": .string(uri)], name: encoded)
        // The headers matched, so the request reached the method: an unknown resource.
        #expect(r.status == 400)
        #expect(r.errorCode == -32602)
        #expect(r.json?["error"]?["data"]?["uri"] == .string(uri))
        await live.stop()
    }

    @Test func statusCodesFollowTheSpecTable() async throws {
        let live = try LiveEndpoint.start()
        let noMeta = try await live.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#,
                                         headers: [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/list")]).1
        #expect(noMeta.status == 400)
        #expect(noMeta.errorCode == -32602)
        let unsupported = try await live.post(
            #"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}"#,
            headers: [("MCP-Protocol-Version", "2099-01-01"), ("Mcp-Method", "tools/list")]).1
        #expect(unsupported.status == 400)
        #expect(unsupported.errorCode == -32022)
        let unknown = try await live.modern(3, "nope/nope")
        #expect(unknown.status == 404)
        #expect(unknown.errorCode == -32601)
        let ping = try await live.modern(4, "ping")
        #expect(ping.status == 404)
        let capability = try await live.modern(5, "tools/call", ["name": "test_elicitation"], name: "test_elicitation")
        #expect(capability.status == 400)
        #expect(capability.errorCode == -32021)
        let toolError = try await live.modern(6, "tools/call", ["name": "test_error_handling"], name: "test_error_handling")
        #expect(toolError.status == 200)
        #expect(toolError.json?["result"]?["isError"] == true)
        let parse = try await live.post("{oops", headers: [("MCP-Protocol-Version", "2026-07-28")]).1
        #expect(parse.status == 400)
        #expect(parse.errorCode == -32700)
        #expect(parse.json?["id"] == .null)
        let batch = try await live.post(#"[{"jsonrpc":"2.0","id":1,"method":"tools/list"}]"#, headers: [("MCP-Protocol-Version", "2026-07-28")]).1
        #expect(batch.status == 400)
        #expect(batch.errorCode == -32600)
        let notAcceptable = try await live.post("{}", headers: [("MCP-Protocol-Version", "2026-07-28")], accept: "application/json").1
        #expect(notAcceptable.status == 406)
        let wrongType = try await live.post("{}", headers: [("MCP-Protocol-Version", "2026-07-28")], contentType: "text/plain").1
        #expect(wrongType.status == 415)
        let notification = try await live.post(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#,
                                               headers: [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "notifications/cancelled")]).1
        #expect(notification.status == 202)
        await live.stop()
    }

    @Test func getAndDeleteWithoutASessionAreNotAllowed() async throws {
        let live = try LiveEndpoint.start()
        for method in ["GET", "DELETE"] {
            let client = try await RawClient.connect(live.address)
            try await client.send("\(method) /mcp HTTP/1.1\r\nHost: \(live.hostHeader)\r\nAccept: text/event-stream\r\n\r\n")
            let r = try await client.readResponse()
            #expect(r.status == 405)
            #expect(r.header("allow") == "POST")
        }
        await live.stop()
    }

    @Test func closingTheStreamCancelsTheWork() async throws {
        let server = MCPServer(info: Implementation(name: "t", version: "1"))
        let sawCancel = Mutex(false)
        let started = Mutex(false)
        server.addTool(Tool(name: "spin")) { _, ctx in
            started.withLock { $0 = true }
            while !Task.isCancelled {
                ctx.progress(1)
                try? await Task.sleep(for: .milliseconds(5))
            }
            sawCancel.withLock { $0 = true }
            return .text("cancelled")
        }
        let live = try LiveEndpoint.start(server: server)
        let body: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": [
            "name": "spin", "_meta": ["io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": [:], "progressToken": 1],
        ]]
        let stream = try await live.openStream(body: JSONWriter.string(body), headers: [
            ("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/call"), ("Mcp-Name", "spin"),
        ])
        _ = try await stream.nextJSON()
        #expect(started.withLock { $0 })
        stream.close()
        #expect(await eventually { sawCancel.withLock { $0 } })
        await live.stop()
    }

    @Test func listenIsAnSSEStreamThatDeliversListChanges() async throws {
        let live = try LiveEndpoint.start()
        let body: JSONValue = ["jsonrpc": "2.0", "id": "L", "method": "subscriptions/listen", "params": [
            "notifications": ["toolsListChanged": true], "_meta": LiveEndpoint.modernMeta,
        ]]
        let stream = try await live.openStream(body: JSONWriter.string(body), headers: [
            ("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "subscriptions/listen"),
        ])
        let ack = try await stream.nextJSON()
        #expect(ack?["method"] == "notifications/subscriptions/acknowledged")
        #expect(ack?["params"]?["_meta"]?["io.modelcontextprotocol/subscriptionId"] == "L")
        _ = try await live.modern(2, "tools/call", ["name": "test_trigger_tool_change"], name: "test_trigger_tool_change")
        let changed = try await stream.nextJSON()
        #expect(changed?["method"] == "notifications/tools/list_changed")
        stream.close()
        await live.stop()
    }

    @Test func originAndHostAreCheckedAgainstTheAllowLists() async throws {
        let live = try LiveEndpoint.start { $0.originPolicy = OriginPolicy(allowedHosts: ["good.example"], allowedOrigins: ["https://good.example"]) }
        let ok = try await live.modern(1, "tools/list", headers: [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/list")])
        #expect(ok.status == 421)  // our Host is 127.0.0.1:port, not allowed
        let client = try await RawClient.connect(live.address)
        let body = #"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#
        try await client.send("POST /mcp HTTP/1.1\r\nHost: good.example\r\nOrigin: https://evil.example\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/list\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        #expect(try await client.readResponse().status == 403)
        let good = try await RawClient.connect(live.address)
        try await good.send("POST /mcp HTTP/1.1\r\nHost: good.example\r\nOrigin: https://good.example\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/list\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        #expect(try await good.readResponse().status == 200)
        await live.stop()
    }

    @Test func aConfiguredTokenIsRequired() async throws {
        let live = try LiveEndpoint.start { $0.authenticator = .staticToken("s3cret") }
        let base = [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/list")]
        let none = try await live.modern(1, "tools/list", headers: base)
        #expect(none.status == 401)
        #expect(none.header("www-authenticate")?.hasPrefix("Bearer") == true)
        let wrong = try await live.modern(2, "tools/list", headers: base + [("Authorization", "Bearer nope")])
        #expect(wrong.status == 401)
        #expect(!wrong.text.contains("s3cret"))
        let bearer = try await live.modern(3, "tools/list", headers: base + [("Authorization", "Bearer s3cret")])
        #expect(bearer.status == 200)
        let apiKey = try await live.modern(4, "tools/list", headers: base + [("X-API-Key", "s3cret")])
        #expect(apiKey.status == 200)
        await live.stop()
    }
}

@Suite("x-mcp-header parameters")
struct HeaderParamTests {
    func call(_ live: LiveEndpoint, _ id: Int, _ arguments: JSONObject, _ extra: [(String, String)]) async throws -> RawResponse {
        try await live.modern(.int(Int64(id)), "tools/call", ["name": "test_header_param", "arguments": .object(arguments)],
                              headers: [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/call"), ("Mcp-Name", "test_header_param")] + extra)
    }

    @Test func parameterHeadersMustMirrorTheirArguments() async throws {
        let live = try LiveEndpoint.start()
        let ok = try await call(live, 1, ["region": "eu-west", "priority": 3], [("Mcp-Param-Region", "eu-west"), ("Mcp-Param-Priority", "3")])
        #expect(ok.status == 200)
        #expect(ok.json?["result"]?["content"]?[0]?["text"] == "region eu-west")
        let missing = try await call(live, 2, ["region": "eu-west"], [])
        #expect(missing.errorCode == -32020)
        let different = try await call(live, 3, ["region": "eu-west"], [("Mcp-Param-Region", "us-east")])
        #expect(different.errorCode == -32020)
        let absentArgument = try await call(live, 4, ["region": "eu-west"], [("Mcp-Param-Region", "eu-west"), ("Mcp-Param-Priority", "1")])
        #expect(absentArgument.errorCode == -32020)
        let wrongNumber = try await call(live, 5, ["region": "eu-west", "priority": 3], [("Mcp-Param-Region", "eu-west"), ("Mcp-Param-Priority", "4")])
        #expect(wrongNumber.errorCode == -32020)
        let encoded = try await call(live, 6, ["region": "zürich"], [("Mcp-Param-Region", HeaderValue.encode("zürich"))])
        #expect(encoded.status == 200)
        await live.stop()
    }
}
