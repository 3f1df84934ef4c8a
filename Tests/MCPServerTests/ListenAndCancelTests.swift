import Foundation
import JSON
import JSONRPC
import MCP
@testable import MCPServer
import Synchronization
import Testing

@Suite("Listen streams and cancellation")
struct ListenAndCancelTests {
    func listen(_ c: TestClient, id: JSONValue, _ filter: JSONObject) {
        var meta = TestClient.modernMeta.objectValue!
        meta["x"] = nil
        c.send(["jsonrpc": "2.0", "id": id, "method": "subscriptions/listen", "params": ["notifications": .object(filter), "_meta": .object(meta)]])
    }

    @Test(arguments: ["L1", 7] as [JSONValue])
    func theAcknowledgementComesFirstAndKeepsTheIDType(_ id: JSONValue) async {
        let c = TestClient()
        listen(c, id: id, ["toolsListChanged": true, "resourceSubscriptions": ["test://watched-resource"], "promptsListChanged": false])
        let ack = await c.next { $0["method"] == "notifications/subscriptions/acknowledged" }
        #expect(ack["params"]?["_meta"]?["io.modelcontextprotocol/subscriptionId"] == id)
        #expect(ack["params"]?["notifications"] == ["toolsListChanged": true, "resourceSubscriptions": ["test://watched-resource"]])
        _ = await c.modern(2, "tools/call", ["name": "test_trigger_tool_change"])
        let changed = await c.next { $0["method"] == "notifications/tools/list_changed" }
        #expect(changed["params"]?["_meta"]?["io.modelcontextprotocol/subscriptionId"] == id)
        _ = await c.modern(3, "tools/call", ["name": "test_trigger_resource_update"])
        let updated = await c.next { $0["method"] == "notifications/resources/updated" }
        #expect(updated["params"]?["uri"] == "test://watched-resource")
        #expect(updated["params"]?["_meta"]?["io.modelcontextprotocol/subscriptionId"] == id)
        // Prompts were not opted in.
        _ = await c.modern(4, "tools/call", ["name": "test_trigger_prompt_change"])
        #expect(c.notifications("notifications/prompts/list_changed").isEmpty)
    }

    @Test func aCancelledListenStopsWithoutAResponse() async {
        let c = TestClient()
        listen(c, id: "L", ["toolsListChanged": true])
        _ = await c.next { $0["method"] == "notifications/subscriptions/acknowledged" }
        c.send(["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": "L", "reason": "done"]])
        await c.connection.peer.drain()
        _ = await c.modern(2, "tools/call", ["name": "test_trigger_tool_change"])
        #expect(c.notifications("notifications/tools/list_changed").isEmpty)
        #expect(!c.messages.contains { $0["id"] == "L" })
    }

    /// An open listen is in flight but no answer is due from it: the stdio server writes a lone
    /// answer at once only while `answersDue` leaves standing listens out (else every answer of a
    /// 2026 client watching for list changes waited for a scheduled write). Ended by the server
    /// or cancelled by the client, a listen stops counting either way.
    @Test func anOpenListenIsInFlightButNoAnswerIsDueFromIt() async {
        let c = TestClient()
        listen(c, id: "L", ["toolsListChanged": true])
        _ = await c.next { $0["method"] == "notifications/subscriptions/acknowledged" }
        #expect(c.connection.peer.inFlightCount == 1)
        #expect(c.connection.answersDue == 0)
        listen(c, id: "M", ["promptsListChanged": true])
        _ = await c.next { $0["method"] == "notifications/subscriptions/acknowledged" && $0["params"]?["_meta"]?["io.modelcontextprotocol/subscriptionId"] == "M" }
        #expect(c.connection.answersDue == 0)
        c.send(["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": "M", "reason": "done"]])
        c.server.closeListens()
        _ = await c.response(id: "L")
        await c.connection.peer.drain()
        #expect(c.connection.peer.inFlightCount == 0)
        #expect(c.connection.answersDue == 0, "both listens stopped counting: one cancelled, one ended")
    }

    @Test func closingTheServerEndsListensWithAFinalResult() async {
        let c = TestClient()
        listen(c, id: 5, [:])
        _ = await c.next { $0["method"] == "notifications/subscriptions/acknowledged" }
        c.server.closeListens()
        let end = await c.response(id: 5)
        #expect(end.result?["resultType"] == "complete")
        #expect(end.result?["_meta"]?["io.modelcontextprotocol/subscriptionId"] == 5)
    }

    @Test func cancellingASlowToolStopsItAndSuppressesItsResponse() async {
        let c = TestClient()
        c.send(["jsonrpc": "2.0", "id": "slow", "method": "tools/call", "params": [
            "name": "slow_operation", "arguments": ["steps": 1000, "step_ms": 10],
            "_meta": ["io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": [:], "progressToken": "p"],
        ]])
        _ = await c.next { $0["method"] == "notifications/progress" }
        c.send(["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": "slow"]])
        await c.connection.peer.drain()
        let quick = await c.modern(2, "tools/list")
        #expect(quick.result != nil)
        #expect(!c.messages.contains { $0["id"] == "slow" })
        let progressAfter = c.notifications("notifications/progress").count
        #expect(progressAfter < 1000)
    }

    @Test func aSlowToolNeverBlocksAList() async {
        let c = TestClient()
        c.send(["jsonrpc": "2.0", "id": "slow", "method": "tools/call", "params": [
            "name": "slow_operation", "arguments": ["steps": 1, "step_ms": 60000],
            "_meta": TestClient.modernMeta,
        ]])
        let list = await c.modern(2, "tools/list")
        #expect(list.result?["tools"] != nil)
        c.send(["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": "slow"]])
    }

    @Test func hostileFramesAreAnsweredAndTheConnectionSurvives() async {
        let c = TestClient()
        c.sendRaw("{\"jsonrpc\":\"2.0\",\"id\":1,")
        c.sendRaw(String(repeating: "[", count: 50_000))
        Array<UInt8>([0x7B, 0xFF, 0x7D]).withUnsafeBufferPointer { c.connection.receive(bytes: $0) }
        c.sendRaw(#"{"jsonrpc":"2.0","id":2,"method":7}"#)
        c.sendRaw(#"{"jsonrpc":"2.0","method":"no/such/notification"}"#)
        c.sendRaw(#"{"jsonrpc":"2.0","id":3,"result":{}}"#)
        let ok = await c.modern(4, "tools/call", ["name": "echo", "arguments": ["text": "alive"]])
        #expect(ok.result?["content"]?[0]?["text"] == "alive")
        let errors = c.messages.compactMap(\.errorCode)
        #expect(errors.filter { $0 == -32700 }.count == 3)
        #expect(errors.contains(-32600))
        c.connection.receiveOversized(byteCount: 5_000_000, limit: 4_194_304)
        let big = await c.next { $0["error"]?["message"]?.stringValue?.contains("bytes exceeds the limit") == true }
        #expect(big.errorCode == -32600)
    }
}

@Suite("Flow control")
struct FlowControlTests {
    final class Flag: Sendable {
        let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    @Test func aFullConnectionStopsReadingUntilARequestFinishes() async throws {
        let server = MCPServer(info: Implementation(name: "s", version: "1"))
        let release = Flag()
        server.addTool(Tool(name: "hold")) { _, _ in
            while !release.isSet { try await Task.sleep(for: .milliseconds(2)) }
            return .text("released")
        }
        let outputs = Mutex<[JSONValue]>([])
        let connection = ServerConnection(server: server, maxInFlight: 1) { bytes in
            if let v = try? JSONParser.parse(bytes) { outputs.withLock { $0.append(v) } }
        }
        let secondAccepted = Flag()
        let meta = #""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#
        // Like the stdio reader: a dedicated thread that blocks while the connection is full.
        let reader = Thread {
            for id in 1...2 {
                let line = #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"hold",\#(meta)}}"#
                Array(line.utf8).withUnsafeBufferPointer { connection.receive(bytes: $0) }
            }
            secondAccepted.set()
        }
        reader.start()
        try await Task.sleep(for: .milliseconds(100))
        #expect(!secondAccepted.isSet)
        release.set()
        let deadline = ContinuousClock.now + .seconds(30)
        while (!secondAccepted.isSet || outputs.withLock({ $0.count }) < 2) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(secondAccepted.isSet)
        #expect(outputs.withLock { $0.count } == 2)
    }
}
