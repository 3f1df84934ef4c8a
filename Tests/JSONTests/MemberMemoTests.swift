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

    @Test func reusesTheRepeatedMembersOfAnObjectWhoseBytesDiffer() throws {
        // Our gateway's upstream requests: a token of its own per call in a constant envelope.
        var memo: JSONParser.MemberMemo? = JSONParser.MemberMemo(name: "_meta")
        var first: JSONObject?
        for token in 1...4 {
            let text = #"{"params":{"_meta":{"t":"x-\#(token)","v":"2026","c":{"k":[1,{"z":null}]},"i":[2]}}}"#
            let memoized = try parse(text, &memo)
            #expect(memoized == (try JSONParser.parse(text)), "token \(token)")
            guard case .object(let meta)? = memoized["params"]?["_meta"],
                  case .object(let capabilities)? = meta["c"], case .array? = meta["i"] else {
                Issue.record("no _meta object in \(memoized)")
                return
            }
            #expect(meta["t"] == .string("x-\(token)"))
            if let first, case .object(let firstCapabilities)? = first["c"] {
                // The object member is the remembered one; the token is read anew.
                #expect(capabilities.sharesStorage(with: firstCapabilities), "token \(token)")
            } else {
                first = meta
            }
        }
        // Members in another order, one more or one less, or a member whose value changed: the
        // same values as the plain parse, whatever is reused.
        for text in [
            #"{"params":{"_meta":{"v":"2026","t":"y","c":{"k":[1,{"z":null}]},"i":[2]}}}"#,
            #"{"params":{"_meta":{"t":"y","v":"2026","c":{"k":[1,{"z":null}]},"i":[2],"more":{}}}}"#,
            #"{"params":{"_meta":{"t":"y","c":{"k":[1,{"z":null}]}}}}"#,
            #"{"params":{"_meta":{"t":"y","v":"2026","c":{"k":[1,{"z":false}]},"i":[2]}}}"#,
            #"{"params":{"_meta":{"t":"y","v":"2026","c":{"k":[1,{"z":null}]},"i":[2]}}}"#,
            #"{"params":{"_meta":{"t":"y","v":"2026","c":{"k":[1,{"z":null}]} ,"i" : [2] }}}"#,
        ] {
            #expect(try parse(text, &memo) == (try JSONParser.parse(text)), "\(text)")
        }
    }

    @Test func memberReuseRefusesWhatThePlainParserRefuses() throws {
        var memo: JSONParser.MemberMemo? = JSONParser.MemberMemo(name: "_meta")
        _ = try parse(#"{"_meta":{"t":1,"c":{"k":1},"a":[1]}}"#, &memo)
        // A remembered member twice, a remembered value followed by garbage, a remembered key
        // whose string does not end there, and a remembered value cut short.
        #expect(throws: JSONError.self) { _ = try parse(#"{"_meta":{"t":2,"c":{"k":1},"c":{"k":1}}}"#, &memo) }
        #expect(throws: JSONError.self) { _ = try parse(#"{"_meta":{"t":2,"c":{"k":1}x,"a":[1]}}"#, &memo) }
        #expect(throws: JSONError.self) { _ = try parse(#"{"_meta":{"t":2,"cc:{"k":1}}}"#, &memo) }
        #expect(throws: JSONError.self) { _ = try parse(#"{"_meta":{"t":2,"c":{"k":1"#, &memo) }
        // After all that it still reads the object right.
        let text = #"{"_meta":{"t":3,"c":{"k":1},"a":[1]}}"#
        #expect(try parse(text, &memo) == (try JSONParser.parse(text)))
    }

    @Test func memberReuseRespectsTheDepthOfEachText() throws {
        let limits = JSONParser.Limits(maxDepth: 3)
        var memo: JSONParser.MemberMemo? = JSONParser.MemberMemo(name: "_meta", limits: limits)
        _ = try parse(#"{"_meta":{"t":1,"a":{}}}"#, &memo, limits)
        // A remembered member one level deeper is too deep, whether the rest repeats or not.
        #expect(throws: JSONError.self) { _ = try parse(#"{"p":{"_meta":{"t":2,"a":{}}}}"#, &memo, limits) }
        #expect(throws: Never.self) { _ = try parse(#"{"_meta":{"t":3,"a":{}}}"#, &memo, limits) }
    }
}
