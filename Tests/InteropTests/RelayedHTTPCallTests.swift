// RelayedHTTPCallTests: `/mcp/agents/<id>` answers every call the same with and without the relay.

import Foundation
import HTTPServer
import HTTPTestSupport
import JSON
import Testing

/// Why: over HTTP the gateway's relay sees a plain `tools/call` before anything has parsed it,
/// trusting its routing headers only as far as the body agrees with them. Whatever a request
/// holds — good or bad headers, a tool outside the allow-list, JSON the relay's scanner does not
/// vouch for — the answer must be the one the engine gives, status and body. Two real
/// `agentbridge serve` processes on the same database, one with the relay and one with
/// `--no-relay`, get each request byte for byte; the reference server is their upstream.
@Suite("Gateway over HTTP: relayed calls answer as the engine does", .serialized)
struct RelayedHTTPCallTests {
    static let meta = #""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}"#
    static let oldMeta = #""_meta":{"io.modelcontextprotocol/protocolVersion":"2025-11-25","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}"#

    struct Case: CustomStringConvertible {
        var description: String
        var headers: [(String, String)]
        var body: String
    }

    static func call(_ id: Int, _ tool: String, _ arguments: String = "{}", meta: String = Self.meta) -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"\#(tool)","arguments":\#(arguments),\#(meta)}}"#
    }

    static func routing(_ name: String, version: String = "2026-07-28", method: String = "tools/call") -> [(String, String)] {
        [("MCP-Protocol-Version", version), ("Mcp-Method", method), ("Mcp-Name", name)]
    }

    static let cases: [Case] = [
        Case(description: "a plain call", headers: routing("ref__echo"), body: call(1, "ref__echo", #"{"text":"héllo \"relay\""}"#)),
        Case(description: "a structured result", headers: routing("ref__get_weather"), body: call(2, "ref__get_weather", #"{"city":"Oslo"}"#)),
        Case(description: "a tool error", headers: routing("ref__test_error_handling"), body: call(3, "ref__test_error_handling")),
        Case(description: "missing arguments", headers: routing("ref__echo"), body: call(4, "ref__echo")),
        Case(description: "an encoded Mcp-Name", headers: routing("=?base64?" + Data("ref__echo".utf8).base64EncodedString() + "?="),
             body: call(5, "ref__echo", #"{"text":"x"}"#)),
        Case(description: "Mcp-Name differs from the body", headers: routing("ref__get_weather"), body: call(6, "ref__echo", #"{"text":"x"}"#)),
        Case(description: "the header version differs from the envelope's", headers: routing("ref__echo"),
             body: call(7, "ref__echo", #"{"text":"x"}"#, meta: oldMeta)),
        Case(description: "Mcp-Method differs from the body", headers: routing("ref__echo", method: "tools/list"), body: call(8, "ref__echo")),
        Case(description: "Mcp-Name twice", headers: routing("ref__echo") + [("Mcp-Name", "ref__echo")], body: call(9, "ref__echo")),
        Case(description: "no Mcp-Name", headers: [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/call")], body: call(10, "ref__echo")),
        Case(description: "an unknown protocol version", headers: routing("ref__echo", version: "2099-01-01"), body: call(11, "ref__echo")),
        Case(description: "a tool outside the allow-list", headers: routing("ref__add"), body: call(12, "ref__add", #"{"a":1,"b":2}"#)),
        Case(description: "an unknown tool", headers: routing("nope"), body: call(13, "nope")),
        Case(description: "an exponent in the arguments", headers: routing("ref__echo"), body: call(14, "ref__echo", #"{"text":"e","n":1e2}"#)),
        Case(description: "a duplicate key", headers: routing("ref__echo"), body: call(15, "ref__echo", #"{"text":"a","text":"b"}"#)),
        Case(description: "malformed JSON", headers: routing("ref__echo"), body: String(call(16, "ref__echo").dropLast())),
        Case(description: "a progress token", headers: routing("ref__echo"),
             body: call(17, "ref__echo", #"{"text":"p"}"#, meta: Self.meta.replacingOccurrences(of: #""_meta":{"#, with: #""_meta":{"progressToken":"p1","#))),
        Case(description: "a notification", headers: routing("ref__echo"),
             body: #"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"ref__echo",\#(meta)}}"#),
        Case(description: "a string id", headers: routing("ref__echo"),
             body: #"{"jsonrpc":"2.0","id":"s-1","method":"tools/call","params":{"name":"ref__echo","arguments":{"text":"s"},\#(meta)}}"#),
        Case(description: "a capability the caller did not declare (the upstream's −32021)", headers: routing("ref__test_elicitation"),
             body: call(20, "ref__test_elicitation")),
    ]

    @Test func everyRequestGetsTheEnginesAnswer() async throws {
        let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("relay-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("gateway.sqlite").path
        let manifest = dir.appendingPathComponent("relay.json").path
        try #"""
            {"upstream_servers": {"ref": {"transport": "stdio", "command": "\#(binary)", "args": ["reference-server", "--tools", "3"], "sharing": "shared"}},
             "agents": {"relay": {"name": "Relay", "instructions": "i", "model": "scripted/x",
               "bindings": [{"server": "ref", "allowed_tools": ["echo", "get_weather", "test_*"]}]}}}
            """#.write(toFile: manifest, atomically: true, encoding: .utf8)
        let applied = await Interop.run(binary, ["--db", db, "apply", manifest], timeout: 60)
        #expect(applied.status == 0, "\(applied.output)")

        let relayed = try await HTTPServerProcess.start(["--db", db, "--manifests", "none", "--surface", "platform"])
        let engine = try await HTTPServerProcess.start(["--db", db, "--manifests", "none", "--surface", "platform", "--no-relay"])
        for item in Self.cases {
            let viaRelay = try await Self.post(item, to: relayed)
            let viaEngine = try await Self.post(item, to: engine)
            #expect(viaRelay.status == viaEngine.status, "\(item): relay \(viaRelay.status) engine \(viaEngine.status)")
            #expect(viaRelay.header("content-type") == viaEngine.header("content-type"), "\(item)")
            let relayJSON = try? JSONParser.parse(viaRelay.body), engineJSON = try? JSONParser.parse(viaEngine.body)
            if viaEngine.body.isEmpty {
                #expect(viaRelay.body.isEmpty, "\(item): \(viaRelay.text)")
            } else {
                #expect(engineJSON != nil, "\(item): the engine answered \(viaEngine.text)")
                #expect(relayJSON == engineJSON, "\(item):\n relay  \(viaRelay.text)\n engine \(viaEngine.text)")
            }
        }
        // The plain call really was answered (not two equal refusals).
        let plain = try await Self.post(Self.cases[0], to: relayed)
        #expect(plain.status == 200)
        #expect(try JSONParser.parse(plain.body)["result"]?["content"]?[0]?["text"] == #"héllo "relay""#)
        // And the upstream's −32021 is ours, with its HTTP status and what the upstream needs.
        let refused = try await Self.post(Self.cases[Self.cases.count - 1], to: relayed)
        #expect(refused.status == 400, "\(refused.text)")
        let error = try JSONParser.parse(refused.body)["error"]
        #expect(error?["code"] == -32021 && error?["data"]?["requiredCapabilities"]?["elicitation"] != nil, "\(refused.text)")
        for server in [relayed, engine] {
            let stopped = await server.stop()
            #expect(stopped.status == 0, "\(server.log)")
        }
    }

    static func post(_ item: Case, to server: HTTPServerProcess) async throws -> RawResponse {
        let address = try #require(SocketAddress(parsing: "127.0.0.1:\(server.port)"))
        let client = try await RawClient.connect(address)
        defer { client.shutdownBoth() }
        let body = Array(item.body.utf8)
        var head = "POST /mcp/agents/relay HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Accept: application/json, text/event-stream\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in item.headers { head += "\(name): \(value)\r\n" }
        try await client.send(Array((head + "\r\n").utf8) + body)
        return try await client.readResponse(timeout: .seconds(30))
    }
}
