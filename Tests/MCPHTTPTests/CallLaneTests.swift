import HTTPServer
import HTTPTestSupport
import JSON
import MCP
import MCPHTTP
import MCPServer
import Synchronization
import Testing

/// Why: the gateway's relay answers some `tools/call` requests instead of the engine. Over HTTP
/// that answer must arrive exactly as an engine answer would — JSON when it is quick, an SSE
/// stream with the answer when it takes longer than `sseAfter` — only after every check of the
/// request, never for requests the lane declines, and a client that goes away must cancel it.
@Suite("MCP over HTTP: the call lane")
struct CallLaneTests {
    /// A lane that answers `tools/call` of `echo_fast` at once, `echo_slow` after `delay`,
    /// declines everything else, and records what it saw.
    final class ScriptedLane: CallLane {
        let delay: Duration
        let taken = Mutex<[String]>([])
        let cancelled = Mutex<[UInt64]>([])
        let next = Mutex<UInt64>(0)

        init(delay: Duration) { self.delay = delay }

        let routings = Mutex<[CallRouting?]>([])

        func take(_ body: UnsafeBufferPointer<UInt8>, routing: CallRouting?, executor: (any TaskExecutor)?,
                  answeringTo sink: any CallAnswerSink) -> UInt64? {
            guard let request = try? JSONParser.parse(buffer: body), let name = request["params"]?["name"]?.stringValue,
                  name.hasPrefix("echo_"), let id = request["id"] else { return nil }
            // The contract: a call offered with a routing promise is taken only when it agrees.
            if let routing, routing.toolName != name { return nil }
            taken.withLock { $0.append(name) }
            routings.withLock { $0.append(routing) }
            let handle = next.withLock { $0 += 1; return $0 }
            let answer = JSONWriter.bytes(["jsonrpc": "2.0", "id": id, "result": ["content": [["type": "text", "text": .string("lane:\(name)")]]]])
            if name == "echo_fast" {
                sink.answer(answer)
            } else {
                let delay = self.delay
                Task {
                    try? await Task.sleep(for: delay)
                    if !cancelled.withLock({ $0.contains(handle) }) { sink.answer(answer) }
                }
            }
            return handle
        }

        func cancel(_ handle: UInt64) { cancelled.withLock { $0.append(handle) } }
    }

    @Test func aQuickAnswerIsJSONAndADeclinedCallGoesToTheEngine() async throws {
        let lane = ScriptedLane(delay: .zero)
        let live = try LiveEndpoint.start()
        live.endpoint.setCallLane(lane)
        let fast = try await live.modern(1, "tools/call", ["name": "echo_fast", "arguments": [:]], name: "echo_fast")
        #expect(fast.status == 200)
        #expect(fast.header("content-type") == "application/json")
        #expect(fast.json?["result"]?["content"]?[0]?["text"] == "lane:echo_fast")
        // Declined: the engine's reference server answers.
        let engine = try await live.modern(2, "tools/call", ["name": "echo", "arguments": ["text": "engine"]], name: "echo")
        #expect(engine.json?["result"]?["content"]?[0]?["text"] == "engine")
        // A plain call reaches the lane before it is parsed, with what its headers promise.
        #expect(lane.routings.withLock { $0 } == [CallRouting(protocolVersion: "2026-07-28", toolName: "echo_fast")])
        // A routing-header mismatch the lane declines gets the full checks' answer.
        let mismatch = try await live.modern(3, "tools/call", ["name": "echo_fast"], name: "other")
        #expect(mismatch.status == 400)
        #expect(mismatch.json?["error"]?["code"] == -32020)
        #expect(lane.taken.withLock { $0 } == ["echo_fast"])
        await live.stop()
    }

    @Test func aSlowAnswerArrivesOnAnSSEStream() async throws {
        let lane = ScriptedLane(delay: .milliseconds(600))
        let live = try LiveEndpoint.start { $0.sseAfter = .milliseconds(100) }
        live.endpoint.setCallLane(lane)
        let body: JSONValue = ["jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": [
            "name": "echo_slow", "_meta": LiveEndpoint.modernMeta,
        ]]
        let stream = try await live.openStream(body: JSONWriter.string(body), headers: [
            ("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/call"), ("Mcp-Name", "echo_slow"),
        ])
        #expect(stream.status == 200)
        #expect(stream.headers["content-type"] == "text/event-stream")
        let message = try await stream.nextJSON()
        #expect(message?["id"] == 7)
        #expect(message?["result"]?["content"]?[0]?["text"] == "lane:echo_slow")
        await live.stop()
    }

    @Test func aClientThatDisconnectsCancelsTheCall() async throws {
        let lane = ScriptedLane(delay: .seconds(30))
        let live = try LiveEndpoint.start()
        live.endpoint.setCallLane(lane)
        let body = JSONWriter.string(["jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": ["name": "echo_slow", "_meta": LiveEndpoint.modernMeta]])
        let client = try await RawClient.connect(live.address)
        try await client.send("POST /mcp HTTP/1.1\r\nHost: \(live.hostHeader)\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
            + "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: echo_slow\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
        var seen = false
        for _ in 0..<3000 where !seen {
            seen = !lane.taken.withLock { $0 }.isEmpty
            if !seen { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(seen)
        client.shutdownBoth()
        var cancelled = false
        for _ in 0..<3000 where !cancelled {
            cancelled = lane.cancelled.withLock { $0 } == [1]
            if !cancelled { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(cancelled, "closing the connection did not cancel the relayed call")
        await live.stop()
    }
}
