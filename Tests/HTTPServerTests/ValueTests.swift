import Testing
@testable import HTTPServer
import HTTPTestSupport

@Suite("Headers, events and small values")
struct ValueTests {
    @Test func headersKeepOrderAndSpellingAndLookUpCaseInsensitively() {
        var h = HTTPHeaders([("Content-Type", "a"), ("X-Multi", "1"), ("x-multi", "2")])
        #expect(h["content-type"] == "a")
        #expect(h["X-MULTI"] == "1")
        #expect(h.values("X-Multi") == ["1", "2"])
        #expect(h.only("x-multi") == nil, "a repeated field has no single value")
        #expect(h.only("CONTENT-TYPE") == "a")
        #expect(h.only("absent") == nil)
        #expect(h.map(\.name) == ["Content-Type", "X-Multi", "x-multi"])
        h.set("X-MULTI", "3")
        #expect(h.values("x-multi") == ["3"])
        #expect(h.map(\.name) == ["Content-Type", "X-MULTI"])
        h.remove("CONTENT-TYPE")
        #expect(h["Content-Type"] == nil && h.count == 1)
        h.add("Set-Cookie", "a=1")
        h.add("Set-Cookie", "b=2")
        #expect(h.values("set-cookie") == ["a=1", "b=2"])
    }

    @Test(arguments: ["a\r\nInjected: 1", "a\nb", "a\rb", "a\u{0}b", "a\u{7F}", "\u{1B}[31m"])
    func headerValuesThatCouldInjectAreRefused(_ value: String) {
        var h = HTTPHeaders()
        #expect(!HTTPHeaders.isValidValue(value))
        #expect(throws: HTTPError.invalidHeaderValue(name: "X")) { try h.tryAdd("X", value) }
        #expect(throws: HTTPError.invalidHeaderValue(name: "X")) { try h.trySet("X", value) }
        #expect(h.isEmpty)
    }

    @Test(arguments: ["", "Bad Name", "Bad:Name", "X\r\nY", "Ünï", "a\u{0}"])
    func headerNamesMustBeTokens(_ name: String) {
        var h = HTTPHeaders()
        #expect(throws: HTTPError.invalidHeaderName(name)) { try h.tryAdd(name, "v") }
        #expect(h.isEmpty)
    }

    @Test func tabsObsTextAndUnicodeAreValidValues() throws {
        var h = HTTPHeaders()
        try h.tryAdd("X", "a\tb é ✓")
        #expect(h["x"] == "a\tb é ✓")
    }

    @Test func serverSentEventsSplitDataOnEveryLineBreakAndStripInjectedFields() {
        let e = ServerSentEvent(event: "mess\r\nage", data: "a\nb\r\nc\rd", id: "1\n2", retry: 5)
        #expect(String(decoding: e.bytes, as: UTF8.self) == "event: message\r\nid: 12\r\nretry: 5\r\ndata: a\r\ndata: b\r\ndata: c\r\ndata: d\r\n\r\n")
        #expect(String(decoding: ServerSentEvent(data: "").bytes, as: UTF8.self) == "data: \r\n\r\n")
        #expect(String(decoding: ServerSentEvent.comment("keep\nalive"), as: UTF8.self) == ": keepalive\r\n\r\n")
    }

    @Test func statusReasons() {
        #expect(HTTPStatus.reason(for: 200) == "OK")
        #expect(HTTPStatus.reason(for: 431) == "Request Header Fields Too Large")
        #expect(HTTPStatus.reason(for: 599) == "Server Error")
    }

    @Test func socketAddressesParseAndPrint() {
        #expect(SocketAddress(parsing: "127.0.0.1:80") == SocketAddress(host: "127.0.0.1", port: 80))
        #expect(SocketAddress(parsing: "[::1]:0") == SocketAddress(host: "::1", port: 0))
        #expect(SocketAddress(parsing: "localhost:8080")?.host == "localhost")
        for bad in ["::1:80", "127.0.0.1", "[::1]", "h:99999", ":80", "[::1]80"] {
            #expect(SocketAddress(parsing: bad) == nil, "\(bad)")
        }
        #expect(SocketAddress(host: "::1", port: 5).description == "[::1]:5")
    }

    @Test func accessLogLinesAreLogfmtWithQuotingWhereNeeded() {
        let line = String(decoding: AccessLog.line(remote: "[::1]:5", method: "GET", path: "/a\"b c", status: 200, bytes: 12, durationMicros: 34), as: UTF8.self)
        #expect(line.hasPrefix("time=20"))
        #expect(line.hasSuffix(" remote=[::1]:5 method=GET path=\"/a\\\"b c\" status=200 bytes=12 duration_us=34\n"))
    }

    @Test func chunkHeadersAreLowercaseHex() {
        for (n, hex) in [(0, "0"), (1, "1"), (15, "f"), (16, "10"), (65536, "10000"), (0xabc, "abc")] {
            var out: [UInt8] = []
            ResponseEncoder.appendChunkHeader(n, into: &out)
            #expect(String(decoding: out, as: UTF8.self) == hex + "\r\n")
        }
    }

    @Test func durationsConvertToNanoseconds() {
        #expect(Duration.milliseconds(300).nanoseconds == 300_000_000)
        #expect(Duration.seconds(-1).nanoseconds == 0)
    }

    @Test func invalidConfigurationsAreRejectedAtStart() {
        let server = HTTPServer(configuration: testConfiguration { $0.streamLowWaterMark = 10; $0.streamHighWaterMark = 5 }, handler: echoHandler)
        #expect(throws: HTTPError.self) { try server.start() }
    }
}
