import JSON
import Testing

/// `JSONScanner` accepts only what `JSONParser` accepts, and finds the same members.
@Suite struct JSONScannerTests {
    func scan(_ text: String, maxDepth: Int = 128) -> [JSONScanner.Member]? {
        Array(text.utf8).withUnsafeBufferPointer { JSONScanner.objectMembers($0, limits: .init(maxDepth: maxDepth)) }
    }

    func keysAndValues(_ text: String) -> [(String, String)]? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            JSONScanner.objectMembers(buffer).map { members in
                members.map { (String(decoding: bytes[$0.key], as: UTF8.self), String(decoding: bytes[$0.value], as: UTF8.self)) }
            }
        }
    }

    @Test func findsTheMembersOfAnObjectByByteRange() throws {
        let found = try #require(keysAndValues(#" { "jsonrpc":"2.0", "id" : 7,"params":{"name":"echo","arguments":{"text":"h\u00e9\"llo","n":[1,-2.5,0,true,null]}} } "#))
        #expect(found.map(\.0) == ["jsonrpc", "id", "params"])
        #expect(found.map(\.1) == [#""2.0""#, "7", #"{"name":"echo","arguments":{"text":"h\u00e9\"llo","n":[1,-2.5,0,true,null]}}"#])
        let bytes = Array(#"{"a":{"b":1,"c":"x"}}"#.utf8)
        let inner = bytes.withUnsafeBufferPointer { buffer in
            JSONScanner.objectMembers(buffer).flatMap { JSONScanner.members(of: $0[0].value, in: buffer) }
        }
        #expect(inner?.count == 2)
    }

    @Test(arguments: [
        #"{"a":1,"a":2}"#,                 // duplicate key (the parser refuses it)
        #"{"a":{"b":1,"b":1}}"#,            // nested duplicate
        #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":01}"#, #"{"a":1.}"#, #"{"a":-}"#, #"{"a":tru}"#,
        #"{"a":"\ud800"}"#, #"{"a":"\udc00"}"#, #"{"a":"\x"}"#, "{\"a\":\"\u{01}\"}",
        #"{"a":1} x"#, #"[1]"#, #""s""#, "",
    ])
    func refusesWhatTheParserRefuses(_ text: String) {
        #expect(scan(text) == nil)
        #expect((try? JSONParser.parse(text)) == nil || text == "[1]" || text == #""s""#)
    }

    /// The scanners skip plain ASCII eight bytes at a time: whatever the position of a quote, an
    /// escape, a control byte or a non-ASCII byte relative to those words, the verdict and the
    /// members must be the parser's.
    @Test func wordAtATimeSkippingAgreesWithTheParserAtEveryOffset() {
        let specials: [[UInt8]] = [[0x5C, 0x22], [0x5C, 0x5C], [0x5C, 0x6E], Array("\\u00e9".utf8), [0x01], [0x1F], [0x7F],
                                   [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0xC3], [0xFF], [0xED, 0xA0, 0x80], [0x22]]
        var checked = 0
        for length in 0..<20 {
            for offset in 0...length {
                for special in specials {
                    var text = Array(repeating: UInt8(ascii: "x"), count: length)
                    text.insert(contentsOf: special, at: offset)
                    let line = Array(#"{"k":""#.utf8) + text + Array(#"","n":1}"#.utf8)
                    let parsed = try? JSONParser.parse(line)
                    let members = line.withUnsafeBufferPointer { JSONScanner.objectMembers($0) }
                    if members != nil { #expect(parsed != nil, "scanner accepted what the parser refuses: \(line)") }
                    if parsed != nil, special != [0x22] { #expect(members?.count == 2, "scanner refused a valid string: \(line)") }
                    if let members {
                        // The splitter walks the same text to the same members.
                        let split = line.withUnsafeBufferPointer { JSONScanner.members(of: 0..<line.count, in: $0) }
                        #expect(split == members)
                    }
                    checked += 1
                }
            }
        }
        #expect(checked == 210 * 14)
    }

    @Test func refusesInvalidUTF8Bytes() {
        for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xFF]] {
            let text: [UInt8] = Array(#"{"a":""#.utf8) + bad + Array(#""}"#.utf8)
            #expect(text.withUnsafeBufferPointer { JSONScanner.objectMembers($0) } == nil)
            #expect((try? JSONParser.parse(text)) == nil)
        }
    }

    @Test func leavesToTheParserWhatItDoesNotVouchFor() throws {
        // Valid JSON all, but outside the scanner's conservative subset: escaped or non-ASCII
        // keys, exponents, very long numbers, objects with many keys.
        let manyKeys = "{" + (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        for text in [#"{"\u0061":1}"#, #"{"é":1}"#, #"{"a":1e3}"#, #"{"a":1234567890123456789}"#, manyKeys] {
            #expect(scan(text) == nil, "\(text)")
            #expect(try JSONParser.parse(text).objectValue != nil)
        }
    }

    @Test func honoursTheDepthLimitExactlyAsTheParserDoes() {
        let nested = String(repeating: #"{"a":"#, count: 5) + "1" + String(repeating: "}", count: 5)
        #expect(scan(nested, maxDepth: 5) != nil)
        #expect(scan(nested, maxDepth: 4) == nil)
        #expect((try? JSONParser.parse(nested, limits: .init(maxDepth: 5))) != nil)
        #expect((try? JSONParser.parse(nested, limits: .init(maxDepth: 4))) == nil)
    }

    /// The one-pass variant finds the top-level members and those of one nested object, as the
    /// plain scan plus `members(of:)` would.
    @Test func nestedMembersComeFromTheSamePass() {
        let cases: [(String, [String]?)] = [
            (#"{"jsonrpc":"2.0","id":1,"method":"m","params":{"name":"echo","arguments":{"params":{"x":1}},"_meta":{"a":[1,{"b":2}]}}}"#, ["name", "arguments", "_meta"]),
            (#"{"params":{}}"#, []),
            (#"{"params":[1,2]}"#, nil),
            (#"{"x":{"params":{"deep":1}}}"#, nil),
            (#" { "params" : { "a" : "}" , "b" : "\"" } } "#, ["a", "b"]),
        ]
        for (text, keys) in cases {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { buffer in
                guard let found = JSONScanner.objectMembers(buffer, nested: "params") else {
                    Issue.record("refused \(text)")
                    return
                }
                #expect(found.members == JSONScanner.objectMembers(buffer))
                #expect(found.nested.map { $0.map { String(decoding: bytes[$0.key], as: UTF8.self) } } == keys, "\(text)")
                if let params = found.members.first(where: { JSONScanner.equals($0.key, "params", in: buffer) }), keys != nil {
                    #expect(found.nested == JSONScanner.members(of: params.value, in: buffer))
                }
            }
        }
        // Whatever the plain scan refuses, so does the nested one.
        for bad in [#"{"params":{"a":1,"a":2}}"#, #"{"params":{"a":}}"#, #"{"params":{},"params":{}}"#, #"{"params":{"a":1}"#] {
            #expect(Array(bad.utf8).withUnsafeBufferPointer { JSONScanner.objectMembers($0, nested: "params") } == nil, "\(bad)")
        }
    }

    /// The members found with `known`, as key=value strings (nil when the scan refused the text).
    func scanKnowing(_ known: String, _ text: String) -> [String]? {
        let bytes = Array(text.utf8)
        var found: [String]?
        Array(known.utf8).withUnsafeBytes { known in
            bytes.withUnsafeBufferPointer { buffer in
                JSONScanner.withObjectMembers(buffer, nested: "params", known: known) { top, nested in
                    found = (Array(top) + Array(nested ?? UnsafeBufferPointer(start: nil, count: 0))).map {
                        String(decoding: bytes[$0.key], as: UTF8.self) + "=" + String(decoding: bytes[$0.value], as: UTF8.self)
                    }
                }
            }
        }
        return found
    }

    /// Why: the relay steps over the envelope it validated on the previous line instead of
    /// checking the same bytes again. Stepping over must find exactly the members a full scan
    /// finds, apply only inside the nested object, and never let a value that merely begins
    /// with the known bytes through.
    @Test func aKnownValueInTheNestedObjectIsSteppedOverAndNothingElseIs() {
        let envelope = #"{"v":"2026-07-28","caps":{},"info":{"name":"t"}}"#
        let text = #"{"id":1,"params":{"name":"echo","_meta":\#(envelope)}}"#
        #expect(Array(text.utf8).withUnsafeBufferPointer { JSONScanner.objectMembers($0, nested: "params") } != nil)
        #expect(scanKnowing(envelope, text) == ["id=1", #"params={"name":"echo","_meta":\#(envelope)}"#, #"name="echo""#, "_meta=" + envelope])
        // A value that starts with the known bytes and goes on is checked, and refused.
        #expect(scanKnowing(envelope, #"{"params":{"_meta":\#(envelope)x}}"#) == nil)
        #expect(scanKnowing(#"{"a":1}"#, #"{"params":{"_meta":{"a":1}1}}"#) == nil)
        // Proof that bytes are stepped over, not checked: invalid "known" bytes (which no caller
        // may pass) get through inside the nested object only — at the top level, or nested
        // deeper, they are scanned as usual and refused.
        #expect(scanKnowing("{bad}", #"{"params":{"_meta":{bad}}}"#) == [#"params={"_meta":{bad}}"#, "_meta={bad}"])
        #expect(scanKnowing("{bad}", #"{"x":{bad},"params":{}}"#) == nil)
        #expect(scanKnowing("{bad}", #"{"params":{"a":{"b":{bad}}}}"#) == nil)
        // Keys next to the stepped-over value are still checked for duplicates.
        #expect(scanKnowing(envelope, #"{"params":{"_meta":\#(envelope),"_meta":\#(envelope)}}"#) == nil)
        // An empty known value is no known value; nor is a number, which could begin a longer one.
        #expect(scanKnowing("", text)?.count == 4)
        #expect(scanKnowing("2", #"{"params":{"a":2,"b":27}}"#) == [#"params={"a":2,"b":27}"#, "a=2", "b=27"])
    }

    /// Keys stay open for the duplicate check while nested objects are scanned, on a stack of
    /// fixed size: a chain holding more keys than that is left to the parser (nil), never
    /// misread; a chain that fits is scanned.
    @Test func aChainOfOpenKeysBeyondTheKeyStackIsLeftToTheParser() throws {
        func chain(levels: Int) -> String {
            var text = ""
            for level in 0..<levels {
                text += "{" + (0..<31).map { "\"k\(level)_\($0)\":0," }.joined() + "\"next\":"
            }
            return text + "0" + String(repeating: "}", count: levels)
        }
        let fits = chain(levels: JSONScanner.keyStackCapacity / 32)
        #expect(scan(fits) != nil)
        let beyond = chain(levels: JSONScanner.keyStackCapacity / 32 + 1)
        #expect(scan(beyond) == nil)
        #expect(try JSONParser.parse(beyond).objectValue != nil)
    }

    /// `forEachMember` visits what `members(of:)` lists, in order, and stops when told.
    @Test func forEachMemberVisitsTheMembersAndStopsWhenTold() {
        let bytes = Array(#"{"a":1,"b":{"c":[1,2]},"d":"x,y"}"#.utf8)
        bytes.withUnsafeBufferPointer { buffer in
            var seen: [String] = []
            #expect(JSONScanner.forEachMember(of: 0..<buffer.count, in: buffer) { member in
                seen.append(String(decoding: buffer[member.key], as: UTF8.self))
                return true
            })
            #expect(seen == ["a", "b", "d"])
            #expect(JSONScanner.members(of: 0..<buffer.count, in: buffer)?.count == 3)
            var visits = 0
            #expect(!JSONScanner.forEachMember(of: 0..<buffer.count, in: buffer) { _ in
                visits += 1
                return visits < 2
            })
            #expect(visits == 2)
        }
    }

    @Test func forEachMemberOfAnEmptyObjectVisitsNothingAndSucceeds() {
        var visits = 0
        let ok = Array("{ }".utf8).withUnsafeBufferPointer { buffer in
            JSONScanner.forEachMember(of: 0..<buffer.count, in: buffer) { _ in
                visits += 1
                return true
            }
        }
        #expect(ok && visits == 0)
    }

    @Test(arguments: [UInt64(0), 7, 10, 99, 1_234_567_890, UInt64.max])
    func appendsDecimalsAsStringDoes(_ value: UInt64) {
        var bytes = Array("x".utf8)
        bytes.append(decimal: value)
        #expect(String(decoding: bytes, as: UTF8.self) == "x\(value)")
    }

    @Test func appendsLiteralsByteForByte() {
        var bytes: [UInt8] = [1]
        bytes.append(literal: #"{"é":"\n"}"#)
        #expect(bytes == [1] + Array(#"{"é":"\n"}"#.utf8))
    }
}
