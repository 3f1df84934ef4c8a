@testable import Bridge
import JSON
import JSONRPC
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

    /// An upstream's −32021 becomes ours only when declaring what it names would help: the
    /// gateway can forward every capability it names, and the caller has not declared them all.
    @Test func anUpstreamsMissingCapabilityIsPassedOnOnlyWhenDeclaringItWouldHelp() {
        func refusal(_ required: JSONValue?, caller: JSONObject = [:], code: Int = -32021) -> JSONValue? {
            let data: JSONValue? = required.map { ["requiredCapabilities": $0] }
            let error = MCPClientError.server(code: code, message: "needs input hunter2-token", data: data)
            return AgentCatalogProvider.missingCapability("ref__x", error, callerCapabilities: caller, secrets: UpstreamSecrets(["hunter2-token"]))?.json
        }
        let form = refusal(["elicitation": ["form": [:]]])
        #expect(form?["code"] == -32021)
        #expect(form?["message"] == "ref__x: needs input [redacted]")
        #expect(form?["data"]?["requiredCapabilities"] == ["elicitation": ["form": [:]]])
        #expect(refusal(["sampling": [:], "elicitation": [:]], caller: ["elicitation": [:]])?["code"] == -32021, "sampling is still missing")
        // Nothing the caller could declare that the gateway would pass on, or nothing named.
        #expect(refusal(["elicitation": ["url": [:]]]) == nil, "URL elicitation is not forwarded")
        #expect(refusal(["extensions": ["io.example/x": [:]]]) == nil)
        #expect(refusal([:]) == nil)
        #expect(refusal("elicitation") == nil)
        #expect(refusal(nil) == nil)
        // Already declared: another refusal would only make the caller try again in vain.
        #expect(refusal(["elicitation": ["form": [:]]], caller: ["elicitation": ["form": [:]]]) == nil)
        #expect(refusal(["elicitation": [:]], code: -32000) == nil, "another code")
    }

    /// A prompt or a resource that fails upstream: the error the caller gets is redacted too.
    @Test func aFailedPromptOrResourceReadIsRedacted() {
        let secrets = UpstreamSecrets(["hunter2-token"])
        let server = AgentCatalogProvider.redacted(MCPClientError.server(code: -32000, message: "denied hunter2-token", data: nil), secrets: secrets)
        #expect("\(server)".contains("denied [redacted]") && !"\(server)".contains("hunter2"), "\(server)")
        let rpc = AgentCatalogProvider.redacted(JSONRPCError(.invalidParams, "bad hunter2-token", data: ["k": "hunter2-token"]), secrets: secrets) as? JSONRPCError
        #expect(rpc?.code == .invalidParams && rpc?.message == "bad [redacted]" && rpc?.data == ["k": "[redacted]"])
        #expect(AgentCatalogProvider.redacted(CancellationError(), secrets: secrets) is CancellationError)
    }
}
