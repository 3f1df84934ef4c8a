import Testing
@testable import JSON

@Suite("JSON writer")
struct JSONWriterTests {
    @Test func writesCompactJSONInInsertionOrder() {
        let v: JSONValue = ["jsonrpc": "2.0", "id": 1, "result": ["b": true, "a": nil]]
        #expect(JSONWriter.string(v) == #"{"jsonrpc":"2.0","id":1,"result":{"b":true,"a":null}}"#)
    }

    @Test func sortsKeysWhenAsked() {
        let v: JSONValue = ["b": 1, "a": ["d": 1, "c": 2]]
        #expect(JSONWriter.string(v, sortKeys: true) == #"{"a":{"c":2,"d":1},"b":1}"#)
    }

    @Test func neverEmitsARawNewlineOrControlCharacter() {
        let tricky = JSONValue.string("line1\nline2\r\t\u{0}\u{1f}\"\\ é 😀")
        let bytes = JSONWriter.bytes(["x": tricky])
        #expect(!bytes.contains(0x0A))
        #expect(!bytes.contains { $0 < 0x20 })
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"x":"line1\nline2\r\t\u0000\u001f\"\\ é 😀"}"#)
    }

    /// Plain runs are copied eight bytes at a time: a character that needs escaping must be
    /// escaped wherever it falls relative to those words, and the text must read back the same.
    @Test func escapesAtEveryOffsetAndRoundTrips() throws {
        for special in ["\"", "\\", "\n", "\u{1}", "\u{1f}", "é", "😀", "\u{7f}"] {
            for length in 0..<20 {
                for offset in 0...length {
                    var text = String(repeating: "x", count: length)
                    text.insert(contentsOf: special, at: text.index(text.startIndex, offsetBy: offset))
                    let bytes = JSONWriter.bytes(["s": .string(text)])
                    #expect(!bytes.contains { $0 < 0x20 }, "raw control byte for \(text.debugDescription)")
                    #expect(try JSONParser.parse(bytes)["s"] == .string(text))
                }
            }
        }
    }

    @Test func writesIntegersExactly() {
        #expect(JSONWriter.string(.int(Int64.min)) == "-9223372036854775808")
        #expect(JSONWriter.string(.int(Int64.max)) == "9223372036854775807")
        #expect(JSONWriter.string(.int(0)) == "0")
        #expect(JSONWriter.string(.int(-7)) == "-7")
    }

    @Test func writesDoublesThatRoundTripAndNonFiniteAsNull() throws {
        for d in [0.1, -2.5, 1e-7, 5e20, 123456.789] {
            let text = JSONWriter.string(.double(d))
            #expect(try JSONParser.parse(text) == .double(d))
        }
        #expect(JSONWriter.string(.double(.nan)) == "null")
        #expect(JSONWriter.string(.double(.infinity)) == "null")
    }

    @Test func roundTripsThroughTheParser() throws {
        let v: JSONValue = ["a": [1, 2.5, "s\n", true, nil, ["nested": ["deep": [[], [:]]]]], "ü": "ÿ"]
        #expect(try JSONParser.parse(JSONWriter.bytes(v)) == v)
    }

    @Test func objectEqualityIgnoresMemberOrder() {
        let a: JSONValue = ["x": 1, "y": 2]
        let b: JSONValue = ["y": 2, "x": 1]
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != ["x": 1])
    }

    @Test func settingNilRemovesAMember() {
        var o: JSONObject = ["a": 1, "b": 2, "c": 3]
        o["b"] = nil
        o["a"] = 9
        #expect(Array(o.keys) == ["a", "c"])
        #expect(o["a"] == 9)
    }
}
