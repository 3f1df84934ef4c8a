import Testing
@testable import HTTPServer

/// Accept and Content-Type matching (RFC 9110 §12.5.1, §8.3): MCP's POST needs both
/// `application/json` and `text/event-stream` acceptable, and a JSON body; clients write these
/// fields in many legal ways (case, parameters, wildcards, several fields), and `q=0` refuses.
@Suite("Media types")
struct MediaTypeTests {
    @Test(arguments: [
        (["application/json, text/event-stream"], true, true),
        (["Application/JSON;charset=utf-8", "TEXT/Event-Stream"], true, true),
        (["*/*"], true, true),
        (["application/*, text/*;q=0.5"], true, true),
        (["application/json"], true, false),
        (["text/event-stream, application/json;q=0"], false, true),
        (["*/*;q=0.000"], false, false),
        (["application/json-seq, text/event-streams"], false, false),
        (["*/*; Q=0"], false, false),
        ([String](), false, false),
        ([" , ,application/json ;q=1 , "], true, false),
        (["application/json;q=0, application/json", "text/*;q=0"], true, false),
        (["application/*;q=0.1;level=1, TEXT/*"], true, true),
        (["*/*;q="], true, true),
        (["application/json;a=b;q=0.0;q=1"], false, false),
        (["application/json;\tq=0\t"], false, false),
        (["application/", "text/", "application/jso*", "*/json", "*", ""], false, false),
        (["text/event-stream;q=0.", "application/json;Q=00.1"], true, false),
    ])
    func acceptMatching(values: [String], json: Bool, sse: Bool) {
        #expect(HTTPSyntax.accepts(values, "application/json") == json)
        #expect(HTTPSyntax.accepts(values, "text/event-stream") == sse)
    }

    @Test func contentTypesMatchTheirMediaTypeOnly() {
        #expect(HTTPSyntax.isMediaType("application/json", "application/json"))
        #expect(HTTPSyntax.isMediaType("Application/Json; charset=UTF-8", "application/json"))
        #expect(HTTPSyntax.isMediaType(" application/json ;x=y", "application/json"))
        #expect(!HTTPSyntax.isMediaType("application/jsonx", "application/json"))
        #expect(!HTTPSyntax.isMediaType("text/plain", "application/json"))
        #expect(!HTTPSyntax.isMediaType(nil, "application/json"))
    }

    @Test func caseInsensitiveEqualityIsASCIIOnly() {
        #expect(HTTPSyntax.equalsIgnoringCase("Content-Type", "content-type"))
        #expect(!HTTPSyntax.equalsIgnoringCase("content-typ", "content-type"))
        #expect(!HTTPSyntax.equalsIgnoringCase("É", "é"), "non-ASCII letters are not folded")
        #expect(HTTPSyntax.equalsIgnoringCase(Substring("X-A"), "x-a"))
        #expect(!HTTPSyntax.equalsIgnoringCase(Substring("X-AB").dropLast(), "x-ab"))
    }
}
