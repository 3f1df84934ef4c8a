import JSON
import Platform
import Testing

/// The `script` field of an agent spec: strictly validated like the rest of the spec and
/// written back in canonical form, so a spec with a script round-trips.
@Suite("Agent spec: script")
struct AgentScriptTests {
    static let base: JSONObject = ["name": "Demo", "instructions": "Be brief.", "model": "scripted/demo"]

    func spec(_ script: JSONValue) throws -> AgentSpec {
        var object = Self.base
        object["script"] = script
        return try AgentSpec.parse(.object(object))
    }

    @Test func aScriptRoundTripsThroughTheCanonicalJSON() throws {
        let parsed = try spec(["rules": [["reply": "Hi!\nHow can I help?", "contains": "hello"], ["contains": "bye", "reply": "Bye."]]])
        #expect(parsed.script?.rules.map(\.contains) == ["hello", "bye"])
        #expect(parsed.script?.rules.first?.reply == "Hi!\nHow can I help?")
        let reparsed = try AgentSpec.parse(try JSONParser.parse(parsed.canonicalText))
        #expect(reparsed == parsed)
        #expect(reparsed.canonicalText == parsed.canonicalText)
        #expect(parsed.canonicalText.hasSuffix(#","script":{"rules":[{"contains":"hello","reply":"Hi!\nHow can I help?"},{"contains":"bye","reply":"Bye."}]}}"#))
    }

    @Test func aSpecWithoutAScriptHasNoneAndWritesNone() throws {
        let parsed = try AgentSpec.parse(.object(Self.base))
        #expect(parsed.script == nil)
        #expect(!parsed.canonicalText.contains(#""script":"#))
    }

    @Test(arguments: [
        (JSONValue.string("x"), "$.script"),
        (["rules": "x"], "$.script.rules"),
        ([:], "$.script.rules"),
        (["rules": [], "extra": 1], "$.script.extra"),
        (["rules": [["contains": "a"]]], "$.script.rules[0].reply"),
        (["rules": [["contains": "", "reply": "r"]]], "$.script.rules[0].contains"),
        (["rules": [["contains": "a", "reply": "r", "when": "now"]]], "$.script.rules[0].when"),
        (["rules": [["contains": "a\nb", "reply": "r"]]], "$.script.rules[0].contains"),
        (["rules": [["contains": "a", "reply": "bell\u{7}"]]], "$.script.rules[0].reply"),
        (["rules": [1]], "$.script.rules[0]"),
    ] as [(JSONValue, String)])
    func invalidScriptsAreRejectedAtTheirPath(script: JSONValue, path: String) throws {
        do {
            _ = try spec(script)
            Issue.record("accepted \(script)")
        } catch let error as PlatformError {
            #expect("\(error)".contains(path), "\(error)")
        }
    }
}
