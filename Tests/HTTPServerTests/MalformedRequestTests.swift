import Testing
@testable import HTTPServer
import HTTPTestSupport

@Suite("Malformed requests are refused and the connection closed")
struct MalformedRequestTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: String
        let status: Int
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "garbage", bytes: "HELLO\r\n\r\n", status: 400),
        Case(name: "two spaces in request line", bytes: "GET  / HTTP/1.1\r\nHost: t\r\n\r\n", status: 400),
        Case(name: "lowercase version", bytes: "GET / http/1.1\r\nHost: t\r\n\r\n", status: 400),
        Case(name: "version with junk", bytes: "GET / HTTP/1.1x\r\nHost: t\r\n\r\n", status: 400),
        Case(name: "HTTP/2.0", bytes: "GET / HTTP/2.0\r\nHost: t\r\n\r\n", status: 505),
        Case(name: "target not origin-form", bytes: "GET foo HTTP/1.1\r\nHost: t\r\n\r\n", status: 400),
        Case(name: "asterisk with GET", bytes: "GET * HTTP/1.1\r\nHost: t\r\n\r\n", status: 400),
        Case(name: "non-ASCII in target", bytes: "GET /é HTTP/1.1\r\nHost: t\r\n\r\n", status: 400),
        Case(name: "bare LF line endings", bytes: "GET / HTTP/1.1\nHost: t\n\n", status: 400),
        Case(name: "bare LF after the request line", bytes: "GET / HTTP/1.1\r\nHost: t\n\r\n", status: 400),
        Case(name: "bare CR", bytes: "GET / HTTP/1.1\r\nHost: t\rX: y\r\n\r\n", status: 400),
        Case(name: "obs-fold", bytes: "GET / HTTP/1.1\r\nHost: t\r\nX-A: one\r\n two\r\n\r\n", status: 400),
        Case(name: "space before colon", bytes: "GET / HTTP/1.1\r\nHost : t\r\n\r\n", status: 400),
        Case(name: "control byte in name", bytes: "GET / HTTP/1.1\r\nHost: t\r\nX\u{01}Y: 1\r\n\r\n", status: 400),
        Case(name: "non-ASCII in name", bytes: "GET / HTTP/1.1\r\nHost: t\r\nHéader: 1\r\n\r\n", status: 400),
        Case(name: "empty name", bytes: "GET / HTTP/1.1\r\nHost: t\r\n: 1\r\n\r\n", status: 400),
        Case(name: "no colon", bytes: "GET / HTTP/1.1\r\nHost: t\r\nNoColon\r\n\r\n", status: 400),
        Case(name: "NUL in value", bytes: "GET / HTTP/1.1\r\nHost: t\r\nX: a\u{0}b\r\n\r\n", status: 400),
        Case(name: "DEL in value", bytes: "GET / HTTP/1.1\r\nHost: t\r\nX: a\u{7F}b\r\n\r\n", status: 400),
        Case(name: "missing Host on 1.1", bytes: "GET / HTTP/1.1\r\nX: 1\r\n\r\n", status: 400),
        Case(name: "two Host fields", bytes: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400),
        Case(name: "Content-Length and Transfer-Encoding", bytes: "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400),
        Case(name: "non-numeric Content-Length", bytes: "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n", status: 400),
        Case(name: "negative Content-Length", bytes: "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", status: 400),
        Case(name: "signed Content-Length", bytes: "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: +3\r\n\r\nabc", status: 400),
        Case(name: "overflowing Content-Length", bytes: "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n", status: 400),
        Case(name: "differing Content-Length list", bytes: "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3, 4\r\n\r\nabcd", status: 400),
        Case(name: "duplicate differing Content-Length", bytes: "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", status: 400),
        Case(name: "bad chunk size", bytes: "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", status: 400),
        Case(name: "chunk size overflow", bytes: "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", status: 400),
        Case(name: "chunk data too long", bytes: "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", status: 400),
        Case(name: "chunk size bare LF", bytes: "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n0\r\n\r\n", status: 400),
        Case(name: "unsupported Transfer-Encoding", bytes: "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", status: 501),
        Case(name: "stacked Transfer-Encoding", bytes: "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", status: 501),
        Case(name: "Transfer-Encoding on HTTP/1.0", bytes: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400),
        Case(name: "unknown expectation", bytes: "POST / HTTP/1.1\r\nHost: t\r\nExpect: magic\r\nContent-Length: 1\r\n\r\nx", status: 417),
    ]

    @Test(arguments: cases)
    func isRefusedWithTheRightStatusAndClosed(_ c: Case) async throws {
        try await withServer(handler: echoHandler) { _, address in
            let client = try await RawClient.connect(address)
            try await client.send(c.bytes)
            let r = try await client.readResponse()
            #expect(r.status == c.status)
            #expect(r.header("Connection") == "close")
            #expect(try await client.closes(within: .seconds(5)))
        }
    }

    @Test func aRepeatedIdenticalContentLengthIsAccepted() async throws {
        try await withServer(handler: echoHandler) { _, address in
            let client = try await RawClient.connect(address)
            try await client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc")
            let r = try await client.readResponse()
            #expect(r.status == 200 && r.text == "abc")
        }
    }

    /// SplitMix64, so a failing garbage input can be reproduced.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func randomGarbageNeverCrashesTheServer() async throws {
        var rng = SeededGenerator(state: 20261123)
        try await withServer({ $0.headerTimeout = .milliseconds(300) }, handler: echoHandler) { _, address in
            for round in 0..<100 {
                let length = Int.random(in: 1...300, using: &rng)
                var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) } + Array("\r\n\r\n".utf8)
                if round % 2 == 0 { bytes = Array("GET / HTTP/1.1\r\n".utf8) + bytes }
                let c = try await RawClient.connect(address)
                try? await c.send(bytes)
                _ = try await c.readToClose(timeout: .seconds(5))
            }
            // Still serving.
            let c = try await RawClient.connect(address)
            try await c.send("GET /alive HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await c.readResponse().header("X-Path") == "/alive")
        }
    }
}
