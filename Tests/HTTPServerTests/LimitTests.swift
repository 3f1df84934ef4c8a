import Testing
@testable import HTTPServer
import HTTPTestSupport

@Suite("Size and connection limits")
struct LimitTests {
    @Test func headerBytesOverTheLimitGet431AndClose() async throws {
        try await withServer({ $0.maxHeaderBytes = 1024 }, handler: echoHandler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: \(String(repeating: "a", count: 2000))\r\n\r\n")
            let r = try await c.readResponse()
            #expect(r.status == 431)
            #expect(try await c.closes(within: .seconds(5)))
        }
    }

    @Test func anUnterminatedHeadGrowingPastTheLimitGets431WithoutWaitingForItsEnd() async throws {
        try await withServer({ $0.maxHeaderBytes = 1024 }, handler: echoHandler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: \(String(repeating: "a", count: 2000))")
            #expect(try await c.readResponse().status == 431)
        }
    }

    @Test func aHeadExactlyAtTheLimitIsAccepted() async throws {
        try await withServer({ $0.maxHeaderBytes = 1024 }, handler: echoHandler) { _, address in
            let prefix = "GET / HTTP/1.1\r\nHost: t\r\nX: "
            let padding = String(repeating: "a", count: 1024 - prefix.utf8.count - 4)
            let c = try await RawClient.connect(address)
            try await c.send(prefix + padding + "\r\n\r\n")
            #expect(try await c.readResponse().status == 200)
        }
    }

    @Test func aRequestTargetLongerThanTheLimitGets414() async throws {
        try await withServer({ $0.maxHeaderBytes = 1024 }, handler: echoHandler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET /\(String(repeating: "p", count: 3000)) HTTP/1.1\r\nHost: t\r\n\r\n")
            let r = try await c.readResponse()
            #expect(r.status == 414)
            #expect(try await c.closes(within: .seconds(5)))
        }
    }

    @Test func tooManyHeaderFieldsGet431AndClose() async throws {
        try await withServer({ $0.maxHeaderCount = 10 }, handler: echoHandler) { _, address in
            let fields = (0..<11).map { "X-\($0): v\r\n" }.joined()
            let ok = try await RawClient.connect(address)
            try await ok.send("GET / HTTP/1.1\r\n" + (0..<9).map { "X-\($0): v\r\n" }.joined() + "Host: t\r\n\r\n")
            #expect(try await ok.readResponse().status == 200)
            let c = try await RawClient.connect(address)
            try await c.send("GET / HTTP/1.1\r\nHost: t\r\n\(fields)\r\n")
            let r = try await c.readResponse()
            #expect(r.status == 431)
            #expect(try await c.closes(within: .seconds(5)))
        }
    }

    @Test func anAnnouncedContentLengthOverTheLimitGets413BeforeAnyBodyIsSent() async throws {
        let handled = Probe(false)
        try await withServer({ $0.maxBodyBytes = 1000 }, handler: { _ in handled.set(true); return .text(200, "no") }) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5000000000\r\n\r\n")
            let r = try await c.readResponse()
            #expect(r.status == 413)
            #expect(r.header("Connection") == "close")
            #expect(try await c.closes(within: .seconds(5)))
            #expect(handled.current == false)
        }
    }

    @Test func aChunkedBodyGrowingPastTheLimitGets413() async throws {
        try await withServer({ $0.maxBodyBytes = 1000 }, handler: echoHandler) { _, address in
            let c = try await RawClient.connect(address)
            var request = "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            for _ in 0..<3 { request += "190\r\n" + String(repeating: "z", count: 400) + "\r\n" }  // 1200 bytes
            try await c.send(request)
            let r = try await c.readResponse()
            #expect(r.status == 413)
            #expect(try await c.closes(within: .seconds(5)))
        }
    }

    @Test func bodiesExactlyAtTheLimitAreAccepted() async throws {
        try await withServer({ $0.maxBodyBytes = 1000 }, handler: echoHandler) { _, address in
            let body = String(repeating: "b", count: 1000)
            let c = try await RawClient.connect(address)
            try await c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n\(body)")
            #expect(try await c.readResponse().text == body)
            try await c.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n\(body)\r\n0\r\n\r\n")
            #expect(try await c.readResponse().text == body)
        }
    }

    @Test func connectionsBeyondTheLimitAreRefusedWhileExistingOnesAreServed() async throws {
        try await withServer({ $0.maxConnections = 2 }, handler: echoHandler) { server, address in
            let first = try await RawClient.connect(address)
            let second = try await RawClient.connect(address)
            for c in [first, second] {
                try await c.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try await c.readResponse().status == 200)
            }
            #expect(server.connectionCount == 2)

            let extra = try await RawClient.connect(address)
            try? await extra.send("GET /extra HTTP/1.1\r\nHost: t\r\n\r\n")
            let (bytes, kind) = try await extra.readToClose(timeout: .seconds(5))
            #expect(kind != .stillOpen)
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.isEmpty || text.hasPrefix("HTTP/1.1 503 "))

            try await first.send("GET /still HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await first.readResponse().header("X-Path") == "/still")
            #expect(await eventually { server.connectionCount == 2 })
        }
    }
}
