import Testing
import JSON
@testable import JSONRPC

@Suite("JSON-RPC classification")
struct ClassifierTests {
    func classify(_ text: String) -> JSONRPCIncoming {
        Array(text.utf8).withUnsafeBufferPointer { JSONRPCClassifier.classify(bytes: $0) }
    }

    func invalid(_ text: String) -> JSONRPCInvalidMessage? {
        if case .invalid(let bad) = classify(text) { return bad }
        return nil
    }

    @Test func bytesThatAreNotJSONAreAParseErrorWithANullID() {
        let bad = invalid("{not json")
        #expect(bad?.error.code == .parseError)
        #expect(bad?.id == nil)
        let wire = bad.map { JSONRPCMessage.response($0.response).json }
        #expect(wire?["id"] == .null)
    }

    @Test func requestIDsKeepTheirJSONType() {
        guard case .single(.request(let a)) = classify(#"{"jsonrpc":"2.0","id":"7","method":"m"}"#),
            case .single(.request(let b)) = classify(#"{"jsonrpc":"2.0","id":7,"method":"m"}"#)
        else { Issue.record("not requests"); return }
        #expect(a.id == .string("7"))
        #expect(b.id == .int(7))
        #expect(a.id != b.id)
        #expect(JSONRPCMessage.response(JSONRPCResponse(id: a.id, result: [:])).json["id"] == "7")
    }

    @Test func aMessageWithoutAnIDIsANotification() {
        guard case .single(.notification(let n)) = classify(#"{"jsonrpc":"2.0","method":"notifications/x","params":{"a":1}}"#) else {
            Issue.record("not a notification"); return
        }
        #expect(n.method == "notifications/x")
    }

    @Test(arguments: [
        #"{"id":1,"method":"m"}"#,
        #"{"jsonrpc":"1.0","id":1,"method":"m"}"#,
        #"{"jsonrpc":"2.0","id":1,"method":5}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"m","params":"x"}"#,
        #"{"jsonrpc":"2.0","id":1.5,"method":"m"}"#,
        #"{"jsonrpc":"2.0","id":null,"method":"m"}"#,
        #"{"jsonrpc":"2.0","id":{},"method":"m"}"#,
        #"{"jsonrpc":"2.0","id":1}"#,
        #"{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"x"}}"#,
        #"{"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"y"}}"#,
        #"42"#,
        #""str""#,
    ])
    func structurallyWrongMessagesAreInvalidRequests(_ text: String) {
        #expect(invalid(text)?.error.code == .invalidRequest)
    }

    @Test func anInvalidRequestEchoesItsIDWhenReadable() {
        #expect(invalid(#"{"jsonrpc":"1.0","id":"abc","method":"m"}"#)?.id == .string("abc"))
        #expect(invalid(#"{"jsonrpc":"2.0","id":3,"method":7}"#)?.id == .int(3))
    }

    @Test func arraysAreReportedAsBatchesAndEmptyOnesAreInvalid() {
        guard case .batch(let items) = classify(#"[{"jsonrpc":"2.0","id":1,"method":"a"},{"x":1}]"#) else {
            Issue.record("not a batch"); return
        }
        #expect(items.count == 2)
        if case .failure = items[1] {} else { Issue.record("second element should be invalid") }
        #expect(invalid("[]")?.error.code == .invalidRequest)
    }

    @Test func responsesAreClassifiedWithTheirOutcome() throws {
        guard case .single(.response(let ok)) = classify(#"{"jsonrpc":"2.0","id":2,"result":{"x":1}}"#),
            case .single(.response(let err)) = classify(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"boom","data":[1]}}"#)
        else { Issue.record("not responses"); return }
        #expect(ok.id == .int(2))
        #expect(try ok.outcome.get() == ["x": 1])
        #expect(err.id == nil)
        if case .failure(let e) = err.outcome {
            #expect(e.code.rawValue == -32000)
            #expect(e.data == [1])
        } else {
            Issue.record("expected an error outcome")
        }
    }

    @Test func errorCodesStayOpenForCodesWeDoNotKnow() {
        let code = JSONRPCErrorCode(-31999)
        let e = JSONRPCError(code, "custom")
        #expect(JSONRPCError(json: e.json)?.code == code)
    }
}
