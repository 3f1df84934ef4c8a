import Foundation
import HTTPServer
import Testing
import HTTPClient

@Suite("Response framing and limits on real sockets")
struct FramingTests {
    @Test func chunkedBodiesWithTrailersAreDecodedAndTheConnectionIsReused() async throws {
        let server = try ScriptedServer { c, _ in
            while try c.readRequest() != nil {
                c.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n")
                c.send("6\r\nhello \r\n")
                c.send("5;ext=1\r\nworld\r\n0\r\nX-Checksum: abc123\r\n\r\n")
            }
        }
        try await withClient { client in
            for _ in 0..<3 {
                let r = try await client.send(HTTPClientRequest(url: "\(server.url)/"))
                #expect(r.text == "hello world")
                #expect(r.trailers["X-Checksum"] == "abc123")
            }
            #expect(server.accepted == 1)
        }
    }

    @Test func aCloseDelimitedBodyEndsAtCloseAndTheNextRequestUsesANewConnection() async throws {
        let server = try ScriptedServer { c, index in
            guard try c.readRequest() != nil else { return }
            c.send("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nno length, body \(index)")
        }
        try await withClient { client in
            let a = try await client.send(HTTPClientRequest(url: "\(server.url)/"))
            let b = try await client.send(HTTPClientRequest(url: "\(server.url)/"))
            #expect(a.text == "no length, body 0" && b.text == "no length, body 1")
            #expect(server.accepted == 2)
        }
    }

    @Test func informationalResponsesAreSkipped() async throws {
        let server = try ScriptedServer { c, _ in
            guard try c.readRequest() != nil else { return }
            c.send("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n")
            c.send("HTTP/1.1 202 Accepted\r\nContent-Length: 4\r\n\r\ndone")
        }
        try await withClient { client in
            let r = try await client.send(HTTPClientRequest(method: "POST", url: "\(server.url)/", body: [1]))
            #expect(r.status == 202 && r.reasonPhrase == "Accepted" && r.text == "done")
        }
    }

    @Test func headAnd204ResponsesHaveNoBodyAndKeepTheConnection() async throws {
        let handler: HTTPHandler = { r in
            var h = HTTPHeaders()
            h.add("X-Peer", r.remoteAddress)
            return HTTPResponse(status: r.path == "/empty" ? 204 : 200, headers: h, body: r.path == "/empty" ? [] : Array(repeating: 7, count: 1000))
        }
        try await withHTTPServer(handler: handler) { _, base in
            try await withClient { client in
                let head = try await client.send(HTTPClientRequest(method: "HEAD", url: "\(base)/big"))
                #expect(head.status == 200 && head.headers["Content-Length"] == "1000" && head.body.isEmpty)
                let empty = try await client.send(HTTPClientRequest(url: "\(base)/empty"))
                #expect(empty.status == 204 && empty.body.isEmpty)
                let get = try await client.send(HTTPClientRequest(url: "\(base)/big"))
                #expect(get.body.count == 1000)
                #expect(Set([head, empty, get].map { $0.headers["X-Peer"] }).count == 1)
            }
        }
    }

    @Test func largeBodiesStreamIntactThroughBackPressure() async throws {
        let size = 6 * 1024 * 1024 + 123
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let handler: HTTPHandler = { r in
            if r.path == "/stream" {
                return .stream(headers: [:]) { w in
                    var off = 0
                    while off < payload.count {
                        let n = min(100_000, payload.count - off)
                        try? await w.write(Array(payload[off..<(off + n)]))
                        off += n
                    }
                }
            }
            return HTTPResponse(status: 200, body: payload)
        }
        try await withHTTPServer(handler: handler) { _, base in
            try await withClient({ $0.streamHighWaterMark = 64 * 1024; $0.streamLowWaterMark = 16 * 1024 }) { client in
                for path in ["/bytes", "/stream"] {
                    let r = try await client.execute(HTTPClientRequest(url: "\(base)\(path)"))
                    var got: [UInt8] = []
                    var pieces = 0
                    for try await chunk in r.body {
                        got += chunk
                        pieces += 1
                        if pieces % 8 == 0 { await Task.yield() }  // a consumer slower than the socket
                    }
                    #expect(got == payload, "\(path)")
                }
                #expect(try await client.send(HTTPClientRequest(url: "\(base)/bytes")).body.count == size)
            }
        }
    }

    @Test func aBodyOverTheLimitFailsNamingTheLimitAndTheClientStaysUsable() async throws {
        let handler: HTTPHandler = { r in
            if r.path == "/chunked" {
                return .stream(headers: [:]) { w in
                    for _ in 0..<64 { try? await w.write([UInt8](repeating: 1, count: 1024)) }
                }
            }
            if r.path == "/small" { return .text(200, "fine") }
            return HTTPResponse(status: 200, body: [UInt8](repeating: 2, count: 64 * 1024))
        }
        try await withHTTPServer(handler: handler) { _, base in
            try await withClient({ $0.maxBodyBytes = 16 * 1024 }) { client in
                await expectClientError(.bodyTooLarge(limit: 16 * 1024)) {
                    _ = try await client.send(HTTPClientRequest(url: "\(base)/length"))
                }
                await expectClientError(.bodyTooLarge(limit: 16 * 1024)) {
                    _ = try await client.send(HTTPClientRequest(url: "\(base)/chunked"))
                }
                await expectClientError(.bodyTooLarge(limit: 1000)) {
                    _ = try await client.send(HTTPClientRequest(url: "\(base)/length"), maxBodyBytes: 1000)
                }
                #expect(try await client.send(HTTPClientRequest(url: "\(base)/small")).text == "fine")
                let r = try await client.send(HTTPClientRequest(url: "\(base)/length"), maxBodyBytes: 64 * 1024)
                #expect(r.body.count == 64 * 1024)
            }
        }
    }

    @Test func responseHeadLimitsNameTheLimit() async throws {
        let server = try ScriptedServer { c, _ in
            guard let r = try c.readRequest() else { return }
            if r.requestLine.contains("/many") {
                c.send("HTTP/1.1 200 OK\r\n" + (0..<30).map { "X-\($0): v\r\n" }.joined() + "Content-Length: 0\r\n\r\n")
            } else {
                c.send("HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "b", count: 4000) + "\r\nContent-Length: 0\r\n\r\n")
            }
        }
        try await withClient({ $0.maxHeaderCount = 20; $0.maxHeadBytes = 1024 }) { client in
            await expectClientError(.tooManyHeaders(limit: 20)) { _ = try await client.send(HTTPClientRequest(url: "\(server.url)/many")) }
            await expectClientError(.headTooLarge(limit: 1024)) { _ = try await client.send(HTTPClientRequest(url: "\(server.url)/big")) }
        }
    }

    @Test func malformedResponsesAreRefused() async throws {
        let server = try ScriptedServer { c, _ in
            guard try c.readRequest() != nil else { return }
            c.send("HTTP/1.1 200 OK\nContent-Length: 0\n\n")
        }
        try await withClient { client in
            await expectClientError(.malformedResponse("bare LF in response head")) {
                _ = try await client.send(HTTPClientRequest(url: "\(server.url)/"))
            }
        }
    }

    @Test func aResponseCutShortIsConnectionClosed() async throws {
        let server = try ScriptedServer { c, _ in
            guard try c.readRequest() != nil else { return }
            c.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
        }
        try await withClient { client in
            let r = try await client.execute(HTTPClientRequest(url: "\(server.url)/"))
            var got: [UInt8] = []
            await expectClientError(.connectionClosed) {
                for try await chunk in r.body { got += chunk }
            }
            #expect(String(decoding: got, as: UTF8.self) == "only this")
        }
    }
}
