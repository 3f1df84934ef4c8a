import Testing
import JSON
import MCP
@testable import MCPServer

@Suite("Handshake-era requests")
struct LegacyEraTests {
    @Test(arguments: ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"])
    func initializeEchoesEverySupportedVersion(_ version: String) async {
        let c = TestClient()
        let r = await c.initialize(version)
        #expect(r.result?["protocolVersion"] == .string(version))
        #expect(r.result?["serverInfo"]?["name"] == "agentbridge-reference")
        #expect(r.result?["resultType"] == nil)
    }

    @Test(arguments: ["1999-01-01", "2026-07-28"])
    func initializeOffersOurLatestHandshakeVersionOtherwise(_ version: String) async {
        let c = TestClient()
        let r = await c.initialize(version)
        #expect(r.result?["protocolVersion"] == "2025-11-25")
    }

    @Test func capabilitiesFollowTheNegotiatedVersion() async {
        let old = await TestClient().initialize("2024-11-05")
        #expect(old.result?["capabilities"]?["completions"] == nil)
        #expect(old.result?["serverInfo"]?["title"] == nil)
        let new = await TestClient().initialize("2025-11-25")
        #expect(new.result?["capabilities"]?["completions"] == [:])
        #expect(new.result?["serverInfo"]?["title"] != nil)
    }

    @Test func requestsBeforeInitializeAreRefusedButPingWorks() async {
        let c = TestClient()
        let r = await c.request(1, "tools/list")
        #expect(r.errorCode == -32600)
        let ping = await c.request(2, "ping")
        #expect(ping.result == [:])
    }

    @Test func aModernRequestOnALegacyConnectionIsInvalid() async {
        let c = TestClient()
        await c.initialize()
        let r = await c.modern(1, "tools/list")
        #expect(r.errorCode == -32600)
        #expect(c.connection.currentEra == .legacy)
    }

    @Test func legacyResultsCarryNoModernFields() async {
        let c = TestClient()
        await c.initialize()
        let list = await c.request(1, "tools/list")
        #expect(list.result?["resultType"] == nil)
        #expect(list.result?["ttlMs"] == nil)
        #expect(list.result?["cacheScope"] == nil)
        #expect(list.result?["_meta"] == nil)
        let read = await c.request(2, "resources/read", ["uri": "test://static-text"])
        #expect(read.result?["ttlMs"] == nil)
    }

    @Test func olderVersionsLoseFieldsTheyDoNotDefine() async {
        let c = TestClient()
        await c.initialize("2025-03-26")
        let list = await c.request(1, "tools/list", ["cursor": .string(Cursor.encode(100, kind: "t"))])
        let weather = list.result?["tools"]?.arrayValue?.first { $0["name"] == "get_weather" }
        #expect(weather != nil)
        #expect(weather?["outputSchema"] == nil)
        #expect(weather?["title"] == nil)
        #expect(weather?["annotations"] != nil)
        let call = await c.request(2, "tools/call", ["name": "get_weather", "arguments": ["city": "Oslo"]])
        #expect(call.result?["structuredContent"] == nil)
        let link = await c.request(3, "tools/call", ["name": "test_resource_link"])
        #expect(link.result?["content"]?[0]?["type"] == "text")
    }

    @Test func version20241105HasNoAudioOrAnnotations() async {
        let c = TestClient()
        await c.initialize("2024-11-05")
        let audio = await c.request(1, "tools/call", ["name": "test_audio_content"])
        #expect(audio.result?["content"]?[0]?["type"] == "text")
        let list = await c.request(2, "tools/list")
        #expect(list.result?["tools"]?[0]?["annotations"] == nil)
    }

    @Test func newerVersionsKeepStructuredContent() async {
        let c = TestClient()
        await c.initialize("2025-06-18")
        let call = await c.request(1, "tools/call", ["name": "get_weather", "arguments": ["city": "Oslo"]])
        #expect(call.result?["structuredContent"]?["city"] == "Oslo")
        let audio = await c.request(2, "tools/call", ["name": "test_audio_content"])
        #expect(audio.result?["content"]?[0]?["type"] == "audio")
    }

    @Test func aMissingResourceUsesTheLegacyCode() async {
        let c = TestClient()
        await c.initialize()
        let r = await c.request(1, "resources/read", ["uri": "test://nope"])
        #expect(r.errorCode == -32002)
        #expect(r["error"]?["data"]?["uri"] == "test://nope")
    }

    @Test func invalidArgumentsBeforeNovember2025AreProtocolErrors() async {
        let c = TestClient()
        await c.initialize("2025-06-18")
        let r = await c.request(1, "tools/call", ["name": "echo", "arguments": ["text": 1]])
        #expect(r.errorCode == -32602)
    }

    @Test func elicitationBecomesAServerToClientRequest() async {
        let c = TestClient()
        await c.initialize("2025-11-25", capabilities: ["elicitation": [:]])
        c.send(["jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": ["name": "test_elicitation", "arguments": ["message": "who?"]]])
        let ask = await c.next { $0["method"] == "elicitation/create" }
        #expect(ask["params"]?["message"] == "who?")
        #expect(ask["params"]?["requestedSchema"]?["properties"]?["username"] != nil)
        c.send(["jsonrpc": "2.0", "id": ask["id"]!, "result": ["action": "accept", "content": ["username": "octocat"]]])
        let r = await c.response(id: 7)
        #expect(r.result?["content"]?[0]?["text"] == #"accepted: {"username":"octocat"}"#)
    }

    @Test func elicitationOmitsModeBeforeNovember2025() async {
        let c = TestClient()
        await c.initialize("2025-06-18", capabilities: ["elicitation": [:]])
        c.send(["jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": ["name": "test_elicitation"]])
        let ask = await c.next { $0["method"] == "elicitation/create" }
        #expect(ask["params"]?["mode"] == nil)
        c.send(["jsonrpc": "2.0", "id": ask["id"]!, "result": ["action": "decline"]])
        #expect(await c.response(id: 7).result?["content"]?[0]?["text"] == "declined")
    }

    @Test func withoutTheCapabilityTheToolReportsAnError() async {
        let c = TestClient()
        await c.initialize("2025-11-25")
        let r = await c.request(1, "tools/call", ["name": "test_elicitation"])
        #expect(r.result?["isError"] == true)
    }

    @Test func samplingAndRootsRoundTripThroughTheClient() async {
        let c = TestClient()
        await c.initialize("2025-11-25", capabilities: ["sampling": [:], "roots": ["listChanged": true]])
        c.send(["jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ["name": "test_sampling", "arguments": ["prompt": "2+2?"]]])
        let s = await c.next { $0["method"] == "sampling/createMessage" }
        c.send(["jsonrpc": "2.0", "id": s["id"]!, "result": ["role": "assistant", "content": ["type": "text", "text": "4"], "model": "m"]])
        #expect(await c.response(id: 1).result?["content"]?[0]?["text"] == "model said: 4")
        c.send(["jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": ["name": "test_list_roots"]])
        let rq = await c.next { $0["method"] == "roots/list" }
        c.send(["jsonrpc": "2.0", "id": rq["id"]!, "result": ["roots": [["uri": "file:///a"], ["uri": "file:///b"]]]])
        #expect(await c.response(id: 2).result?["content"]?[0]?["text"] == "roots: file:///a, file:///b")
    }

    @Test func aStateOnlyRoundIsRetriedByTheServerItself() async {
        let c = TestClient()
        await c.initialize()
        let r = await c.request(1, "tools/call", ["name": "test_input_required_result_request_state"])
        #expect(r.result?["content"]?[0]?["text"] == "state verified")
    }

    @Test func setLevelFiltersLogMessages() async {
        let c = TestClient()
        await c.initialize()
        _ = await c.request(1, "tools/call", ["name": "test_tool_with_logging"])
        #expect(c.notifications("notifications/message").count == 3)
        _ = await c.request(2, "logging/setLevel", ["level": "error"])
        _ = await c.request(3, "tools/call", ["name": "test_tool_with_logging"])
        #expect(c.notifications("notifications/message").count == 3)
        let bad = await c.request(4, "logging/setLevel", ["level": "chatty"])
        #expect(bad.errorCode == -32602)
    }

    @Test func listChangesAndSubscribedUpdatesAreAnnounced() async {
        let c = TestClient()
        await c.initialize()
        _ = await c.request(1, "tools/call", ["name": "test_trigger_resource_update"])
        #expect(c.notifications("notifications/resources/updated").isEmpty)
        _ = await c.request(2, "resources/subscribe", ["uri": "test://watched-resource"])
        _ = await c.request(3, "tools/call", ["name": "test_trigger_resource_update"])
        let updated = await c.next { $0["method"] == "notifications/resources/updated" }
        #expect(updated["params"]?["uri"] == "test://watched-resource")
        _ = await c.request(4, "tools/call", ["name": "test_trigger_tool_change"])
        _ = await c.next { $0["method"] == "notifications/tools/list_changed" }
        let list = await c.request(5, "tools/list", ["cursor": .string(Cursor.encode(100, kind: "t"))])
        #expect(list.result?["tools"]?.arrayValue?.contains { $0["name"] == "dynamic_tool_1" } == true)
    }

    /// stdin closing right after a batch must not lose the batch's answer: `finish` (what the
    /// stdio server awaits before it exits) waits for batches as for single requests.
    @Test func finishWaitsForABatchStillRunning() async {
        let c = TestClient()
        await c.initialize("2025-03-26")
        c.sendRaw(#"[{"jsonrpc":"2.0","id":"s","method":"tools/call","params":{"name":"slow_operation","arguments":{"steps":2,"step_ms":100}}}]"#)
        // finish returns as soon as the batch is done; the grace only bounds a broken finish
        // (10 s was once not enough for 200 ms of work with every test sharing two cores).
        await c.connection.finish(grace: .seconds(120))
        let answered = c.messages.contains { $0.arrayValue?.first?["id"] == "s" }
        #expect(answered, "the batch was still running when finish returned")
    }

    @Test func batchesWorkOnlyOn20250326() async {
        let c = TestClient()
        await c.initialize("2025-03-26")
        c.sendRaw(#"[{"jsonrpc":"2.0","id":"a","method":"ping"},{"jsonrpc":"2.0","id":"b","method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}},{"jsonrpc":"2.0","method":"notifications/whatever"}]"#)
        let batch = await c.next { $0.arrayValue != nil }
        let ids = Set(batch.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [])
        #expect(ids == ["a", "b"])

        let d = TestClient()
        await d.initialize("2025-11-25")
        d.sendRaw(#"[{"jsonrpc":"2.0","id":"a","method":"ping"}]"#)
        let refused = await d.next { $0["error"] != nil }
        #expect(refused.errorCode == -32600)
        #expect(refused["id"] == .null)
    }
}
