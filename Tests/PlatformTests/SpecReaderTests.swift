// SpecReaderTests: strict reading with JSON paths — types, ranges, unknown fields, nested
// objects and arrays, and every issue of a document reported at once.

import JSON
import Platform
import Testing

@Suite("SpecReader")
struct SpecReaderTests {
    func issues(_ json: String, _ body: (SpecReader) -> Void) throws -> [String] {
        let list = ValidationIssues()
        let reader = SpecReader(try JSONParser.parse(json), issues: list)
        body(reader)
        reader.finish()
        return list.all.map(\.description)
    }

    @Test("valid input reads cleanly")
    func valid() throws {
        var seen: [String] = []
        let found = try issues(#"{"id":"a-1","n":3,"t":0.5,"on":true,"tags":["x","y"],"kind":"b"}"#) { r in
            seen.append(r.slug("id") ?? "?")
            seen.append(String(r.integer("n", range: 1...5) ?? -1))
            seen.append(String(r.number("t", range: 0...2) ?? -1))
            seen.append(String(r.bool("on") ?? false))
            seen.append((r.strings("tags") ?? []).joined(separator: ","))
            seen.append(r.choice("kind", ["a", "b"]) ?? "?")
        }
        #expect(found == [])
        #expect(seen == ["a-1", "3", "0.5", "true", "x,y", "b"])
    }

    @Test("each rule reports its path and reason, all at once")
    func rules() throws {
        let found = try issues(#"{"id":"a b","n":9,"t":"x","on":1,"tags":["x","x",""],"kind":"c","extra":1,"nested":{"deep":{"typo":true}}}"#) { r in
            _ = r.slug("id"); _ = r.integer("n", range: 1...5); _ = r.number("t", range: 0...2); _ = r.bool("on")
            _ = r.strings("tags"); _ = r.choice("kind", ["a", "b"]); _ = r.string("missing", required: true)
            if let nested = r.object("nested") {
                if let deep = nested.object("deep") { deep.finish() }
                nested.finish()
            }
        }
        #expect(found == [
            #"$.id: must be 1–64 of A–Z a–z 0–9 _ - (got "a b")"#,
            "$.n: must be between 1 and 5 (got 9)",
            "$.t: must be a number (got string)",
            "$.on: must be true or false (got number)",
            #"$.tags[1]: duplicates an earlier item "x""#,
            "$.tags[2]: must not be empty",
            #"$.kind: must be one of a, b (got "c")"#,
            "$.missing: is required",
            "$.nested.deep.typo: unknown field",
            "$.extra: unknown field",
        ])
    }

    @Test("keys that are not identifiers are quoted in paths; control characters are refused")
    func pathsAndControl() throws {
        let found = try issues(#"{"x-y":"a\nb","h":{"Content Type":5}}"#) { r in
            _ = r.string("x-y")
            _ = r.stringMap("h")
        }
        #expect(found == [
            #"$["x-y"]: must not contain control characters or line breaks"#,
            #"$.h["Content Type"]: must be a string (got number)"#,
        ])
    }

    @Test("a non-object document is one issue at $")
    func notObject() throws {
        #expect(try issues("[1]") { _ in } == ["$: must be an object (got array)"])
    }
}
