import Testing
@testable import JSON

@Suite("JSON parser")
struct JSONParserTests {
    func parse(_ s: String, _ limits: JSONParser.Limits = .default) throws(JSONError) -> JSONValue {
        try JSONParser.parse(s, limits: limits)
    }

    func kind(_ s: String, _ limits: JSONParser.Limits = .default) -> JSONError.Kind? {
        do {
            _ = try parse(s, limits)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test func parsesEveryValueKind() throws {
        let v = try parse(#" {"a": [1, -2.5, "x", true, false, null, {}], "b": {"c": []}} "#)
        #expect(v == ["a": [1, -2.5, "x", true, false, nil, [:]], "b": ["c": []]])
    }

    @Test func keepsIntegersExactAcrossTheWhole64BitRange() throws {
        #expect(try parse("9223372036854775807") == .int(Int64.max))
        #expect(try parse("-9223372036854775808") == .int(Int64.min))
        #expect(try parse("0") == .int(0))
        #expect(try parse("-0") == .int(0))
        #expect(try parse("9007199254740993") == .int(9_007_199_254_740_993))
    }

    @Test func integersBeyond64BitsBecomeDoubles() throws {
        #expect(try parse("9223372036854775808") == .double(9.223372036854775808e18))
    }

    @Test func fractionsAndExponentsAreDoubles() throws {
        #expect(try parse("1.0") == .double(1))
        #expect(try parse("1e2") == .double(100))
        #expect(try parse("-1.5E-3") == .double(-0.0015))
    }

    @Test(arguments: ["[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{a:1}", "'x'", "[", "{", "\"abc", "tru", "nul"])
    func rejectsMalformedStructure(_ text: String) {
        #expect(kind(text) != nil)
    }

    @Test(arguments: ["// c\n1", "/* c */ 1", "NaN", "Infinity", "-Infinity", "+1", "01", "1.", ".5", "1e", "0x10", "--1"])
    func rejectsNonStandardExtensions(_ text: String) {
        #expect(kind(text) != nil)
    }

    @Test func rejectsNumbersOutsideTheDoubleRange() {
        #expect(kind("1e400") == .invalidNumber)
    }

    @Test func rejectsLoneSurrogates() {
        #expect(kind(#""\ud800""#) == .loneSurrogate)
        #expect(kind(#""\udc00""#) == .loneSurrogate)
        #expect(kind(#""\ud800\u0041""#) == .loneSurrogate)
    }

    @Test func decodesSurrogatePairsAndEscapes() throws {
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t\u00e9""#) == .string("a\"b\\c/d\u{8}\u{c}\n\r\té"))
    }

    @Test func rejectsInvalidEscapes() {
        #expect(kind(#""\x41""#) == .invalidEscape)
        #expect(kind(#""\u12G4""#) == .invalidEscape)
    }

    @Test func rejectsRawControlCharactersInStrings() {
        #expect(kind("\"a\nb\"") == .controlCharacterInString)
        #expect(kind("\"a\u{1}b\"") == .controlCharacterInString)
    }

    @Test(arguments: [
        [0x22, 0xFF, 0x22],                   // invalid lead byte
        [0x22, 0xC0, 0x80, 0x22],             // overlong NUL
        [0x22, 0xE0, 0x80, 0x80, 0x22],       // overlong 3-byte
        [0x22, 0xED, 0xA0, 0x80, 0x22],       // UTF-8 encoded surrogate
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], // above U+10FFFF
        [0x22, 0xE2, 0x82, 0x22],             // truncated sequence
    ] as [[UInt8]])
    func rejectsInvalidUTF8(_ bytes: [UInt8]) {
        #expect(throws: JSONError.self) { try JSONParser.parse(bytes) }
    }

    @Test func acceptsValidMultibyteUTF8() throws {
        #expect(try parse("\"héllo wörld ✓ 😀\"") == .string("héllo wörld ✓ 😀"))
    }

    @Test func rejectsDuplicateKeys() {
        #expect(kind(#"{"a":1,"a":2}"#) == .duplicateKey)
    }

    @Test func rejectsTrailingData() {
        #expect(kind("1 2") == .trailingData)
        #expect(kind("{} x") == .trailingData)
    }

    @Test func enforcesTheDepthLimit() {
        let limits = JSONParser.Limits(maxDepth: 10)
        #expect(kind(String(repeating: "[", count: 10) + String(repeating: "]", count: 10), limits) == nil)
        #expect(kind(String(repeating: "[", count: 11) + String(repeating: "]", count: 11), limits) == .tooDeep)
        #expect(kind(String(repeating: "{\"a\":", count: 11) + "1" + String(repeating: "}", count: 11), limits) == .tooDeep)
    }

    @Test func survivesVeryDeepNestingWithoutCrashing() {
        #expect(kind(String(repeating: "[", count: 100_000)) == .tooDeep)
    }

    @Test func enforcesTheSizeLimit() {
        #expect(kind("[1,2,3]", JSONParser.Limits(maxBytes: 6)) == .tooLarge)
    }

    @Test func reportsTheOffsetOfTheProblem() {
        do {
            _ = try parse("[1, 2, x]")
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 7)
        }
    }

    @Test func largeObjectsStayCorrectWithTheirIndex() throws {
        let members = (0..<100).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let v = try parse("{\(members)}")
        #expect(v["k0"] == 0)
        #expect(v["k99"] == 99)
        #expect(v.objectValue?.count == 100)
        #expect(kind("{\(members),\"k50\":1}") == .duplicateKey)
    }
}
