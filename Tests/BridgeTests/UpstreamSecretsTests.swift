@testable import Bridge
import JSON
import MCPClient
import Testing

@Suite("UpstreamSecrets: an upstream's credentials kept out of what it sends back")
struct UpstreamSecretsTests {
    @Test func stringsAndEveryJSONStringAndKeyAreRedacted() throws {
        let secrets = UpstreamSecrets(["s3cr3t-value", ""])
        #expect(secrets.redact("a s3cr3t-value and s3cr3t-value") == "a [redacted] and [redacted]")
        let echoed = try JSONParser.parse(Array(#"{"content":[{"type":"text","text":"token s3cr3t-value"}],"s3cr3t-value":{"n":1,"k":["x s3cr3t-value"]}}"#.utf8))
        let redacted = secrets.redact(echoed)
        #expect(JSONWriter.string(redacted, sortKeys: true) == #"{"[redacted]":{"k":["x [redacted]"],"n":1},"content":[{"text":"token [redacted]","type":"text"}]}"#)
        #expect(UpstreamSecrets().redact(echoed) == echoed, "nothing to redact: unchanged")
    }

    @Test func aSecretContainingAnotherIsReplacedWhole() {
        let secrets = UpstreamSecrets(["abc", "abcdef-long"])
        #expect(secrets.redact("abcdef-long abc") == "[redacted] [redacted]")
    }

    @Test func mayAppearSeesRawBytesAndEscapableSecretsBehindAnEscape() {
        let plain = UpstreamSecrets(["tok-123"])
        func check(_ secrets: UpstreamSecrets, _ line: String) -> Bool {
            Array(line.utf8).withUnsafeBufferPointer { secrets.mayAppear(in: $0) }
        }
        #expect(check(plain, #"{"text":"my tok-123 here"}"#))
        #expect(!check(plain, #"{"text":"my tok-12 here"}"#))
        #expect(!check(plain, #"{"text":"tok\u002d123"}"#), "a plain secret is written plainly by any JSON writer")
        // A secret with a quote or non-ASCII may come escaped (Python writes \u00e9): any escape
        // sends the line the slow way, where the parser unescapes it.
        let escapable = UpstreamSecrets(["pa\"ss", "caf\u{e9}-key"])
        #expect(check(escapable, #"{"text":"caf\u00e9-key"}"#))
        #expect(check(escapable, #"{"text":"pa\"ss"}"#))
        #expect(!check(escapable, #"{"text":"nothing here"}"#))
        #expect(!check(UpstreamSecrets(), #"{"text":"tok-123"}"#))
    }

    /// Writers escape by choice too: Go writes `&` `<` `>` as `\u0026` `\u003c` `\u003e`, PHP `/`
    /// as `\/`. A secret holding one of them sends any line with an escape the slow way.
    @Test func secretsThatWritersEscapeByChoiceAreFoundBehindTheEscape() throws {
        let secrets = UpstreamSecrets(["pw&x<y>", "https://h/p"])
        func check(_ line: String) -> Bool { Array(line.utf8).withUnsafeBufferPointer { secrets.mayAppear(in: $0) } }
        #expect(check(#"{"text":"dsn pw\u0026x\u003cy\u003e"}"#))
        #expect(check(#"{"text":"url https:\/\/h\/p"}"#))
        let parsed = try JSONParser.parse(Array(#"{"text":"dsn pw\u0026x\u003cy\u003e and https:\/\/h\/p"}"#.utf8))
        #expect(secrets.redact(parsed)["text"]?.stringValue == "dsn [redacted] and [redacted]")
    }

    /// Compared as bytes, like the stderr summaries: a combining mark after a secret's last
    /// letter makes another Character, not another secret.
    @Test func aSecretFollowedByACombiningMarkIsStillRedacted() {
        let secrets = UpstreamSecrets(["token-abc"])
        #expect(secrets.redact("token-abc\u{301} end") == "[redacted]\u{301} end")
    }

    @Test func rotatedValuesAreKeptUpToTheCapNewestFirst() {
        // Each newer value is longer: the order kept must be the order recorded, not by length.
        let secrets = UpstreamSecrets()
        let values = (0..<(UpstreamSecrets.maxValues + 5)).map { "v" + String(repeating: "z", count: $0 + 3) }
        for value in values { secrets.record([value]) }
        for value in values.prefix(5) { #expect(secrets.redact("<\(value)>") == "<\(value)>", "the oldest fell out") }
        for value in values.suffix(UpstreamSecrets.maxValues) { #expect(secrets.redact("<\(value)>") == "<[redacted]>", "\(value.count)") }
        secrets.record([values.last!])  // already known: not added twice
        #expect(secrets.redact(values.last!) == "[redacted]")
    }

    @Test func aFailedCallReportsTheUpstreamsMessageRedacted() {
        let secrets = UpstreamSecrets(["hunter2-token"])
        let failed = AgentCatalogProvider.failedCall("ref__x", MCPClientError.server(code: -32000, message: "auth failed for hunter2-token", data: nil),
                                                     secrets: secrets)
        let text = failed["content"]?[0]?["text"]?.stringValue ?? ""
        #expect(text.contains("auth failed for [redacted]") && !text.contains("hunter2"), "\(text)")
        let invalid = AgentCatalogProvider.failedCall("ref__x", MCPClientError.server(code: -32602, message: "bad hunter2-token", data: nil),
                                                      secrets: secrets)
        #expect(invalid["content"]?[0]?["text"]?.stringValue == "ref__x: bad [redacted]")
    }
}
