import Foundation
import JSON
import JSONRPC
import MCP
@testable import MCPServer
import Testing

@Suite("2026 multi-round-trip requests")
struct MultiRoundTripTests {
    static let elicitCaps: JSONValue = ["elicitation": [:]]

    @Test func anElicitationIsAskedAndTheRetryCompletes() async {
        let c = TestClient()
        let first = await c.modern(1, "tools/call", ["name": "test_elicitation", "arguments": ["message": "hi"]], capabilities: Self.elicitCaps)
        #expect(first.result?["resultType"] == "input_required")
        #expect(first.result?["ttlMs"] == nil)
        let ask = first.result?["inputRequests"]?["user_details"]
        #expect(ask?["method"] == "elicitation/create")
        #expect(ask?["params"]?["message"] == "hi")
        let state = first.result?["requestState"]
        #expect(state?.stringValue?.hasPrefix("v1.") == true)
        let retry = await c.modern(2, "tools/call", [
            "name": "test_elicitation", "arguments": ["message": "hi"],
            "inputResponses": ["user_details": ["action": "accept", "content": ["username": "octo", "email": "o@x.io"]]],
            "requestState": state ?? nil,
        ], capabilities: Self.elicitCaps)
        #expect(retry.result?["resultType"] == "complete")
        #expect(retry.result?["content"]?[0]?["text"] == #"accepted: {"email":"o@x.io","username":"octo"}"#)
    }

    @Test func withoutTheCapabilityTheServerSaysWhichOneIsMissing() async {
        let c = TestClient()
        let r = await c.modern(1, "tools/call", ["name": "test_multiple_inputs"], capabilities: ["roots": [:]])
        #expect(r.errorCode == -32021)
        #expect(r["error"]?["data"]?["requiredCapabilities"] == ["elicitation": ["form": [:]]])
    }

    @Test func severalInputsAreAskedInOneRound() async {
        let c = TestClient()
        let caps: JSONValue = ["elicitation": ["form": [:]], "roots": [:]]
        let first = await c.modern(1, "tools/call", ["name": "test_multiple_inputs"], capabilities: caps)
        #expect(first.result?["inputRequests"]?.objectValue?.keys.sorted() == ["confirm", "roots"])
        let partial = await c.modern(2, "tools/call", [
            "name": "test_multiple_inputs", "requestState": first.result?["requestState"] ?? nil,
            "inputResponses": ["confirm": ["action": "accept", "content": ["ok": true]], "unknown_key": ["x": 1]],
        ], capabilities: caps)
        // The missing answer is asked again rather than failing; the extra key is ignored.
        #expect(partial.result?["resultType"] == "input_required")
        #expect(partial.result?["inputRequests"]?.objectValue?.keys.sorted() == ["roots"])
        let done = await c.modern(3, "tools/call", [
            "name": "test_multiple_inputs", "requestState": partial.result?["requestState"] ?? nil,
            "inputResponses": ["roots": ["roots": [["uri": "file:///r"]]]],
        ], capabilities: caps)
        #expect(done.result?["content"]?[0]?["text"] == "confirm: accept, roots: 1")
    }

    @Test func aStateOnlyRoundCompletesWhenTheStateComesBack() async {
        let c = TestClient()
        let first = await c.modern(1, "tools/call", ["name": "test_input_required_result_request_state"])
        #expect(first.result?["resultType"] == "input_required")
        #expect(first.result?["inputRequests"] == nil)
        let retry = await c.modern(2, "tools/call", ["name": "test_input_required_result_request_state", "requestState": first.result?["requestState"] ?? nil])
        #expect(retry.result?["content"]?[0]?["text"] == "state verified")
    }

    @Test func aTamperedStateIsRejected() async {
        let c = TestClient()
        let first = await c.modern(1, "tools/call", ["name": "test_input_required_result_request_state"])
        var token = first.result?["requestState"]?.stringValue ?? ""
        let last = token.removeLast()
        token.append(last == "A" ? "B" : "A")  // always a different final character
        let r = await c.modern(2, "tools/call", ["name": "test_input_required_result_request_state", "requestState": .string(token)])
        #expect(r.errorCode == -32602)
        let garbage = await c.modern(3, "tools/call", ["name": "test_input_required_result_request_state", "requestState": "v1.e30.AAAA"])
        #expect(garbage.errorCode == -32602)
    }

    @Test func theStateIsBoundToTheToolAndItsArguments() async {
        let c = TestClient()
        let first = await c.modern(1, "tools/call", ["name": "test_elicitation", "arguments": ["message": "a"]], capabilities: Self.elicitCaps)
        let state = first.result?["requestState"] ?? nil
        let otherArgs = await c.modern(2, "tools/call", ["name": "test_elicitation", "arguments": ["message": "b"], "requestState": state], capabilities: Self.elicitCaps)
        #expect(otherArgs.errorCode == -32602)
        let otherTool = await c.modern(3, "tools/call", ["name": "test_input_required_result_request_state", "requestState": state])
        #expect(otherTool.errorCode == -32602)
    }

    @Test func theSealerBindsThePrincipalAndExpires() throws {
        let sealer = RequestStateSealer(key: Array(repeating: 7, count: 32), lifetime: .seconds(60))
        let params: JSONObject = ["name": "t", "arguments": ["a": 1]]
        let now = Date(timeIntervalSince1970: 1_000_000)
        let token = sealer.seal(method: "tools/call", params: params, principal: "alice", responses: ["k": 1], state: ["s": 2], now: now)
        let opened = try sealer.open(token, method: "tools/call", params: params, principal: "alice", now: now)
        #expect(opened.responses["k"] == 1)
        #expect(opened.state == ["s": 2])
        #expect(throws: JSONRPCError.self) { try sealer.open(token, method: "tools/call", params: params, principal: "bob", now: now) }
        #expect(throws: JSONRPCError.self) { try sealer.open(token, method: "prompts/get", params: params, principal: "alice", now: now) }
        #expect(throws: JSONRPCError.self) {
            try sealer.open(token, method: "tools/call", params: params, principal: "alice", now: now.addingTimeInterval(61))
        }
        var withMeta = params
        withMeta["_meta"] = ["progressToken": 1]
        withMeta["inputResponses"] = ["k": 2]
        #expect(throws: Never.self) { try sealer.open(token, method: "tools/call", params: withMeta, principal: "alice", now: now) }
        let otherKey = RequestStateSealer(key: Array(repeating: 8, count: 32))
        #expect(throws: JSONRPCError.self) { try otherKey.open(token, method: "tools/call", params: params, principal: "alice", now: now) }
    }

    @Test func promptsAndResourcesAreNotAskedForInputByTheReferenceServer() async {
        let c = TestClient()
        let p = await c.modern(1, "prompts/get", ["name": "test_simple_prompt"])
        #expect(p.result?["resultType"] == "complete")
    }
}


@Suite("Input validation of client answers and listen filters")
struct InputValidationTests {
    @Test func anInvalidElicitationActionIsInvalidParams() async {
        let c = TestClient()
        let r = await c.modern(1, "tools/call", ["name": "test_elicitation", "inputResponses": ["user_details": ["action": "bogus"]]],
                               capabilities: ["elicitation": ["form": [:]]])
        #expect(r.errorCode == -32602)
        let nested = await c.modern(2, "tools/call", ["name": "test_elicitation", "inputResponses": ["user_details": ["action": "accept", "content": ["username": ["a": 1]]]]],
                                    capabilities: ["elicitation": ["form": [:]]])
        #expect(nested.errorCode == -32602)
    }

    @Test(arguments: [nil, "yes", ["resourceSubscriptions": "test://x"], ["toolsListChanged": "true"]] as [JSONValue?])
    func aMalformedListenFilterIsRefused(_ filter: JSONValue?) async {
        let c = TestClient()
        var params: JSONObject = [:]
        if let filter { params["notifications"] = filter }
        let r = await c.modern(1, "subscriptions/listen", params)
        #expect(r.errorCode == -32602)
        #expect(c.notifications("notifications/subscriptions/acknowledged").isEmpty)
    }

    @Test func elicitationSchemasAreShapedFor20250618() {
        let schema: JSONValue = [
            "type": "object",
            "properties": [
                "name": ["type": "string", "default": "x", "maxLength": 5],
                "titled": ["type": "string", "oneOf": [["const": "a", "title": "A"], ["const": "b", "title": "B"]]],
                "multi": ["type": "array", "items": ["type": "string", "enum": ["a"]]],
                "ok": ["type": "boolean", "default": true],
            ],
            "required": ["name", "multi"],
        ]
        let shaped = ElicitationSchemaShaper.shape(schema, for: .v2025_06_18)
        #expect(shaped["properties"]?["name"] == ["type": "string", "maxLength": 5])
        #expect(shaped["properties"]?["titled"] == ["type": "string", "enum": ["a", "b"], "enumNames": ["A", "B"]])
        #expect(shaped["properties"]?["multi"] == nil)
        #expect(shaped["properties"]?["ok"] == ["type": "boolean", "default": true])
        #expect(shaped["required"] == ["name"])
        #expect(ElicitationSchemaShaper.shape(schema, for: .v2025_11_25) == schema)
    }

    @Test func aLegacyClientThatRefusesAnElicitationGetsAToolError() async {
        let c = TestClient()
        await c.initialize("2025-11-25", capabilities: ["elicitation": [:]])
        c.send(["jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ["name": "test_elicitation"]])
        let ask = await c.next { $0["method"] == "elicitation/create" }
        c.send(["jsonrpc": "2.0", "id": ask["id"]!, "error": ["code": -1, "message": "user closed the dialog"]])
        let r = await c.response(id: 1)
        #expect(r.result?["isError"] == true)
    }
}
