import Testing
import JSON
import MCP
@testable import MCPServer

@Suite("2026-07-28 requests")
struct ModernEraTests {
    @Test func discoverReportsVersionsCapabilitiesCacheHintsAndServerInfo() async {
        let c = TestClient()
        let r = await c.modern(1, "server/discover")
        let result = r.result!
        #expect(result["supportedVersions"] == ["2026-07-28"])
        #expect(result["resultType"] == "complete")
        #expect(result["ttlMs"] == 0)
        #expect(result["cacheScope"] == "private")
        #expect(result["capabilities"]?["tools"]?["listChanged"] == true)
        #expect(result["capabilities"]?["resources"]?["subscribe"] == true)
        #expect(result["_meta"]?["io.modelcontextprotocol/serverInfo"]?["name"] == "agentbridge-reference")
    }

    @Test func everyResultCarriesResultTypeAndServerInfo() async {
        let c = TestClient()
        let r = await c.modern(1, "tools/call", ["name": "echo", "arguments": ["text": "hi"]])
        #expect(r.result?["resultType"] == "complete")
        #expect(r.result?["content"] == [["type": "text", "text": "hi"]])
        #expect(r.result?["ttlMs"] == nil)
        #expect(r.result?["_meta"]?["io.modelcontextprotocol/serverInfo"] != nil)
    }

    @Test func missingEnvelopeKeysAreInvalidParamsButClientInfoIsOptional() async {
        let c = TestClient()
        _ = await c.modern(0, "server/discover")
        let noMeta = await c.request(1, "tools/list", [:])
        #expect(noMeta.errorCode == -32602)
        let noCaps = await c.request(2, "tools/list", ["_meta": ["io.modelcontextprotocol/protocolVersion": "2026-07-28"]])
        #expect(noCaps.errorCode == -32602)
        let noVersion = await c.request(3, "tools/list", ["_meta": ["io.modelcontextprotocol/clientCapabilities": [:]]])
        #expect(noVersion.errorCode == -32602)
        let ok = await c.modern(4, "tools/list")
        #expect(ok.result?["tools"] != nil)
    }

    @Test func aRepeatedEnvelopeIsJudgedTheSameEveryTime() async {
        // The connection reads an envelope it has seen byte for byte from memory: a refused one
        // stays refused, and the accepted one before and after it stays accepted.
        // Each envelope is sent three times in a row, so the second and third of each are read
        // from memory (the memo keeps the last one).
        let c = TestClient()
        for round in 0..<2 {
            for id in 0..<3 {
                let ok = await c.modern(.int(Int64(round * 10 + id)), "tools/list")
                #expect(ok.result?["tools"] != nil)
            }
            for id in 0..<3 {
                let bad = await c.modern(.int(Int64(100 + round * 10 + id)), "tools/list", meta: ["io.modelcontextprotocol/logLevel": "loud"])
                #expect(bad.errorCode == -32602)
            }
        }
        let again = await c.modern(9, "tools/call", ["name": "echo", "arguments": ["text": "hi"]])
        #expect(again.result?["content"] == [["type": "text", "text": "hi"]])
    }

    @Test func aProgressTokenThatChangesPerRequestIsReadFromEachRequest() async {
        // Our gateway sends a token of its own with every call in an otherwise constant envelope:
        // the connection reuses what repeats but reads each request's token, and still refuses
        // a token that is neither a string nor an integer.
        let c = TestClient()
        let tokens: [JSONValue] = [1, 2, "t-3", 4, "t-5"]
        for (index, token) in tokens.enumerated() {
            let r = await c.modern(.int(Int64(index)), "tools/call", ["name": "test_tool_with_progress", "arguments": [:]], meta: ["progressToken": token])
            #expect(r.result?["content"] != nil)
            let reports = c.notifications("notifications/progress").filter { $0["params"]?["progressToken"] == token }
            #expect(reports.count == 3, "token \(token)")
        }
        let bad = await c.modern(10, "tools/call", ["name": "echo", "arguments": ["text": "hi"]], meta: ["progressToken": 1.5])
        #expect(bad.errorCode == -32602)
        let after = await c.modern(11, "tools/call", ["name": "echo", "arguments": ["text": "hi"]], meta: ["progressToken": 11])
        #expect(after.result?["content"] == [["type": "text", "text": "hi"]])
        #expect(c.notifications("notifications/progress").count == 3 * tokens.count)
    }

    @Test func anEnvelopeIsReusedOnlyWhenAllButTheTokenIsTheSameValue() throws {
        func meta(_ text: String) throws -> JSONObject { try #require(try JSONParser.parse(text).objectValue) }
        let base = try meta(#"{"progressToken":1,"v":"2026-07-28","c":{"a":1}}"#)
        // Equal but separately parsed objects are not known to be the same: read again.
        #expect(!EnvelopeMemo.differsAtMostInToken(try meta(#"{"progressToken":2,"v":"2026-07-28","c":{"a":1}}"#), base))
        var sameStorage = base
        sameStorage["progressToken"] = 2
        #expect(EnvelopeMemo.differsAtMostInToken(sameStorage, base))
        var otherVersion = base
        otherVersion["v"] = "2025-11-25"
        #expect(!EnvelopeMemo.differsAtMostInToken(otherVersion, base))
        var more = base
        more["x"] = 1
        #expect(!EnvelopeMemo.differsAtMostInToken(more, base))
        #expect(!EnvelopeMemo.differsAtMostInToken(try meta(#"{"v":"2026-07-28","progressToken":1,"c":{"a":1}}"#), base))
        // Strings are compared by their bytes: a canonically equivalent spelling is another value.
        var composed = base
        composed["v"] = "Caf\u{e9}"
        var decomposed = composed
        decomposed["v"] = "Cafe\u{301}"
        #expect(!EnvelopeMemo.differsAtMostInToken(decomposed, composed))
        var negativeZero = base, zero = base
        negativeZero["v"] = .double(-0.0)
        zero["v"] = .double(0.0)
        #expect(!EnvelopeMemo.differsAtMostInToken(negativeZero, zero))
    }

    @Test func anUnsupportedVersionIsRefusedWithTheSupportedList() async {
        let c = TestClient()
        _ = await c.modern(0, "server/discover")
        let r = await c.request(1, "tools/list", ["_meta": ["io.modelcontextprotocol/protocolVersion": "2099-01-01", "io.modelcontextprotocol/clientCapabilities": [:]]])
        #expect(r.errorCode == -32022)
        #expect(r["error"]?["data"]?["supported"] == ["2026-07-28"])
        #expect(r["error"]?["data"]?["requested"] == "2099-01-01")
        let legacyVersion = await c.request(2, "tools/list", ["_meta": ["io.modelcontextprotocol/protocolVersion": "2025-11-25", "io.modelcontextprotocol/clientCapabilities": [:]]])
        #expect(legacyVersion.errorCode == -32022)
    }

    @Test(arguments: ["ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe", "no/such/method"])
    func removedAndUnknownMethodsAreMethodNotFound(_ method: String) async {
        let c = TestClient()
        let r = await c.modern(1, method)
        #expect(r.errorCode == -32601)
        #expect(r["error"]?["data"] == .string(method))
    }

    @Test func initializeOnAModernConnectionIsAnUnsupportedVersion() async {
        let c = TestClient()
        _ = await c.modern(1, "tools/list")
        let r = await c.request(2, "initialize", ["protocolVersion": "2025-11-25", "capabilities": [:]])
        #expect(r.errorCode == -32022)
        #expect(r["error"]?["data"]?["requested"] == "2025-11-25")
        #expect(c.connection.currentEra == .modern)
    }

    @Test func errorIDsAreEchoedWithTheirType() async {
        let c = TestClient()
        let r = await c.modern("abc", "nope")
        #expect(r["id"] == "abc")
    }

    @Test func unknownToolsAreInvalidParams() async {
        let c = TestClient()
        let r = await c.modern(1, "tools/call", ["name": "no_such_tool"])
        #expect(r.errorCode == -32602)
    }

    @Test func invalidArgumentsBecomeAToolErrorTheModelCanRead() async {
        let c = TestClient()
        let r = await c.modern(1, "tools/call", ["name": "echo", "arguments": ["text": 5]])
        #expect(r.result?["isError"] == true)
        let missing = await c.modern(2, "tools/call", ["name": "echo", "arguments": [:]])
        #expect(missing.result?["isError"] == true)
    }

    @Test func aMissingResourceIsInvalidParamsWithTheURI() async {
        let c = TestClient()
        let r = await c.modern(1, "resources/read", ["uri": "test://nope"])
        #expect(r.errorCode == -32602)
        #expect(r["error"]?["data"]?["uri"] == "test://nope")
    }

    @Test func readResultsCarryCacheHintsAndTemplatesResolve() async throws {
        let c = TestClient()
        let r = await c.modern(1, "resources/read", ["uri": "test://template/42/data"])
        #expect(r.result?["ttlMs"] == 0)
        let text = r.result?["contents"]?[0]?["text"]?.stringValue ?? ""
        #expect(try JSONParser.parse(text)["id"] == "42")
    }

    @Test func logMessagesFlowOnlyWhenTheRequestAskedForThem() async {
        let c = TestClient()
        _ = await c.modern(1, "tools/call", ["name": "test_tool_with_logging"])
        #expect(c.notifications("notifications/message").isEmpty)
        _ = await c.modern(2, "tools/call", ["name": "test_tool_with_logging"], meta: ["io.modelcontextprotocol/logLevel": "info"])
        #expect(c.notifications("notifications/message").count == 3)
        _ = await c.modern(3, "tools/call", ["name": "test_tool_with_logging"], meta: ["io.modelcontextprotocol/logLevel": "error"])
        #expect(c.notifications("notifications/message").count == 3)
        let bad = await c.modern(4, "tools/call", ["name": "test_tool_with_logging"], meta: ["io.modelcontextprotocol/logLevel": "loud"])
        #expect(bad.errorCode == -32602)
    }

    @Test func progressIsReportedOnlyWithAProgressToken() async {
        let c = TestClient()
        _ = await c.modern(1, "tools/call", ["name": "test_tool_with_progress"])
        #expect(c.notifications("notifications/progress").isEmpty)
        _ = await c.modern(2, "tools/call", ["name": "test_tool_with_progress"], meta: ["progressToken": "p1"])
        let progress = c.notifications("notifications/progress")
        #expect(progress.map { $0["params"]?["progress"] } == [0, 50, 100])
        #expect(progress.allSatisfy { $0["params"]?["progressToken"] == "p1" })
    }

    @Test func paginationWalksEveryToolOnceWithStableCursors() async {
        let c = TestClient()
        var names: [String] = []
        var cursor: JSONValue?
        var pages = 0
        repeat {
            var params: JSONObject = [:]
            if let cursor { params["cursor"] = cursor }
            let r = await c.modern(.int(Int64(pages + 1)), "tools/list", params)
            #expect(r.result?["cacheScope"] == "private")
            names += r.result?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            cursor = r.result?["nextCursor"]
            pages += 1
        } while cursor != nil && pages < 50
        #expect(pages >= 2)
        #expect(names.count >= 120)
        #expect(Set(names).count == names.count)
        #expect(names.first == "echo")
    }

    @Test func aCachedToolPageIsRebuiltWhenTheCatalogChanges() async {
        let server = MCPServer(info: Implementation(name: "s", version: "1"))
        server.addTool(Tool(name: "a")) { _, _ in .text("a") }
        let c = TestClient(server: server)
        let before = await c.modern(1, "tools/list")
        #expect(before.result?["tools"]?.description.contains("\"b\"") == false)
        server.addTool(Tool(name: "b")) { _, _ in .text("b") }
        let after = await c.modern(2, "tools/list")
        let names = (try? JSONParser.parse(JSONWriter.bytes(after.result?["tools"] ?? nil)))?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["a", "b"])
        _ = server.removeTool("a")
        let removed = await c.modern(3, "tools/list")
        #expect((try? JSONParser.parse(JSONWriter.bytes(removed.result?["tools"] ?? nil)))?.arrayValue?.count == 1)
    }

    @Test func foreignOrForgedCursorsAreRejected() async {
        let c = TestClient()
        let page1 = await c.modern(1, "tools/list")
        let cursor = page1.result?["nextCursor"]
        #expect(cursor != nil)
        let wrongList = await c.modern(2, "prompts/list", ["cursor": cursor ?? nil])
        #expect(wrongList.errorCode == -32602)
        let forged = await c.modern(3, "tools/list", ["cursor": "garbage!!"])
        #expect(forged.errorCode == -32602)
    }

    @Test func completionFiltersByPrefix() async {
        let c = TestClient()
        let r = await c.modern(1, "completion/complete", [
            "ref": ["type": "ref/prompt", "name": "test_prompt_with_arguments"],
            "argument": ["name": "arg1", "value": "par"],
        ])
        #expect(r.result?["completion"]?["values"] == ["paris", "park", "party"])
        let t = await c.modern(2, "completion/complete", [
            "ref": ["type": "ref/resource", "uri": "test://template/{id}/data"],
            "argument": ["name": "id", "value": "4"],
        ])
        #expect(t.result?["completion"]?["values"] == ["42"])
    }

    @Test func promptsRequireTheirArguments() async {
        let c = TestClient()
        let missing = await c.modern(1, "prompts/get", ["name": "test_prompt_with_arguments", "arguments": ["arg1": "a"]])
        #expect(missing.errorCode == -32602)
        let ok = await c.modern(2, "prompts/get", ["name": "test_prompt_with_arguments", "arguments": ["arg1": "a", "arg2": "b"]])
        #expect(ok.result?["messages"]?[0]?["content"]?["text"] == "Prompt with arguments: arg1='a', arg2='b'")
    }
}
