import Testing
@testable import JSON

@Suite("JSON parser member memo")
struct MemberMemoTests {
    func parse(_ s: String, _ memo: inout JSONParser.MemberMemo?, _ limits: JSONParser.Limits = .default) throws(JSONError) -> JSONValue {
        let bytes = Array(s.utf8)
        return try bytes.withUnsafeBufferPointer { (b) throws(JSONError) in try JSONParser.parse(buffer: b, limits: limits, memo: &memo) }
    }

    @Test func handsOutTheSameObjectForRepeatedBytesAndEqualValuesAlways() throws {
        var memo: JSONParser.MemberMemo? = JSONParser.MemberMemo(name: "_meta")
        let texts = [
            #"{"id":1,"params":{"_meta":{"v":"a","c":{}},"x":1}}"#,
            #"{"id":2,"params":{"x":2,"_meta":{"v":"a","c":{}}}}"#,
            #"{"id":3,"params":{"_meta":{"v":"b","c":{}}}}"#,
            #"{"id":4,"_meta":{"v":"b","c":{}}}"#,
            #"{"id":5,"params":{"_meta":{"v":"b","c":{}}}}"#,
            #"{"id":6,"params":{"_m\u0065ta":{"v":"b","c":{}}}}"#,
            #"{"id":7,"params":{"_meta":"text"}}"#,
            #"{"id":8,"params":{"_meta":{"v":"b","c":{}} }}"#,
        ]
        var previous: JSONObject?
        for (i, text) in texts.enumerated() {
            let plain = try JSONParser.parse(text)
            let memoized = try parse(text, &memo)
            #expect(memoized == plain, "text \(i)")
            if case .object(let meta)? = memoized["params"]?["_meta"] {
                // The second text repeats the first one's bytes at the same depth.
                if i == 1, let previous { #expect(meta.sharesStorage(with: previous)) }
                previous = meta
            }
        }
    }

    @Test func neverAcceptsWhatThePlainParserRefuses() {
        var memo: JSONParser.MemberMemo? = JSONParser.MemberMemo(name: "_meta")
        #expect(throws: Never.self) { _ = try parse(#"{"params":{"_meta":{"a":1}}}"#, &memo) }
        // Same member bytes, but a duplicate key around them or a broken rest.
        #expect(throws: JSONError.self) { _ = try parse(#"{"params":{"_meta":{"a":1},"_meta":{"a":1}}}"#, &memo) }
        #expect(throws: JSONError.self) { _ = try parse(#"{"params":{"_meta":{"a":1}}"#, &memo) }
        #expect(throws: JSONError.self) { _ = try parse(#"{"params":{"_meta":{"a":1}x}}"#, &memo) }
        // A prefix of the remembered bytes is not the remembered value.
        #expect(throws: JSONError.self) { _ = try parse(#"{"params":{"_meta":{"a":1"#, &memo) }
    }

    @Test func respectsTheDepthLimitOfEachText() throws {
        let limits = JSONParser.Limits(maxDepth: 3)
        var memo: JSONParser.MemberMemo? = JSONParser.MemberMemo(name: "_meta", limits: limits)
        _ = try parse(#"{"_meta":{"a":{}}}"#, &memo, limits)
        // The same member one level deeper is too deep, remembered or not.
        #expect(throws: JSONError.self) { _ = try parse(#"{"p":{"_meta":{"a":{}}}}"#, &memo, limits) }
    }
}
