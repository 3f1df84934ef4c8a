import Testing
@testable import HTTPServer
import HTTPTestSupport

@Suite("Request parsing over real sockets")
struct ParsingTests {
    @Test func aSimpleGetIsAnsweredWithContentLengthAndDate() async throws {
        try await withServer(handler: { _ in .text(200, "hello") }) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let r = try await c.readResponse()
            #expect(r.status == 200)
            #expect(r.text == "hello")
            #expect(r.header("Content-Length") == "5")
            #expect(r.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(r.header("Date")?.hasSuffix(" GMT") == true)
            #expect(r.header("Connection") == nil)
        }
    }

    @Test func aRequestSplitAtEveryByteBoundaryIsParsed() async throws {
        let requests = [
            "POST /echo?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello",
            "POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: y\r\n\r\n",
        ]
        try await withServer(handler: echoHandler) { _, address in
            for request in requests {
                let bytes = Array(request.utf8)
                let expected = request.hasPrefix("POST /echo") ? "hello" : "abcde"
                for split in 1..<bytes.count {
                    let c = try await RawClient.connect(address)
                    try await c.send(Array(bytes[..<split]))
                    try await c.send(Array(bytes[split...]))
                    let r = try await c.readResponse()
                    #expect(r.status == 200, "split at \(split)")
                    #expect(r.text == expected, "split at \(split)")
                }
            }
        }
    }

    @Test func theParserSurvivesReadingOneByteAtATime() async throws {
        let pipeline =
            "\r\nPOST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
            + "POST /b HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1;n=v\r\nx\r\n10\r\n0123456789abcdef\r\n0\r\nT: 1\r\nU: 2\r\n\r\n"
            + "GET /c?q=1 HTTP/1.1\r\nHost: t\r\n\r\n"
        try await withServer({ $0.readChunkSize = 1 }, handler: echoHandler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send(pipeline)
            let a = try await c.readResponse()
            let b = try await c.readResponse()
            let d = try await c.readResponse()
            #expect(a.header("X-Path") == "/a" && a.text == "abc")
            #expect(b.header("X-Path") == "/b" && b.text == "x0123456789abcdef")
            #expect(d.header("X-Path") == "/c" && d.header("X-Query") == "q=1" && d.body.isEmpty)
        }
    }

    @Test func threePipelinedRequestsInOneWriteAreAnsweredInOrder() async throws {
        try await withServer(handler: echoHandler) { _, address in
            let c = try await RawClient.connect(address)
            // The first is the slowest: order must still be 1, 2, 3.
            try await c.send(
                "GET /1?ms=150 HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "POST /2?ms=50 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\ntwo"
                    + "GET /3 HTTP/1.1\r\nHost: t\r\n\r\n")
            let paths = [try await c.readResponse(), try await c.readResponse(), try await c.readResponse()]
            #expect(paths.map { $0.header("X-Path") } == ["/1", "/2", "/3"])
            #expect(paths[1].text == "two")
        }
    }

    @Test func aClientPipeliningThousandsOfRequestsWithoutReadingIsThrottledAndFullyAnswered() async throws {
        let body = String(repeating: "r", count: 1024)
        try await withServer(handler: { _ in .text(200, body) }) { _, address in
            let c = try await RawClient.connect(address, receiveBuffer: 16 * 1024)
            let count = 3000
            let request = "GET /p HTTP/1.1\r\nHost: t\r\n\r\n"
            // ~3 MB of responses; the server must stop parsing while its output backs up
            // instead of buffering every response, and still answer all of them in order.
            let sender = Task.detached { try await c.send(String(repeating: request, count: count)) }
            var received = 0
            for _ in 0..<count {
                let r = try await c.readResponse()
                if r.status == 200 && r.body.count == 1024 { received += 1 }
            }
            try await sender.value
            #expect(received == count)
        }
    }

    @Test func chunkedBodiesWithExtensionsAndTrailersAreDecoded() async throws {
        try await withServer(handler: echoHandler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send(
                "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5;name=value;other=\"quoted\"\r\nhello\r\n"
                    + "1 ; spaced\r\n \r\n"
                    + "A\r\n0123456789\r\n"
                    + "0;last\r\nChecksum: abc\r\nOther-Trailer: 1\r\n\r\n")
            let r = try await c.readResponse()
            #expect(r.status == 200)
            #expect(r.text == "hello 0123456789")
            // The connection stays usable.
            try await c.send("GET /again HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await c.readResponse().header("X-Path") == "/again")
        }
    }

    @Test func headAnswersWithGetsContentLengthButNoBody() async throws {
        try await withServer(handler: { _ in .text(200, "twelve bytes") }) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n")
            let h = try await c.readResponse(forHead: true)
            #expect(h.status == 200)
            #expect(h.header("Content-Length") == "12")
            // If a body had been sent, this second response would be misparsed.
            try await c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let g = try await c.readResponse()
            #expect(g.status == 200 && g.text == "twelve bytes")
        }
    }

    @Test func expect100ContinueGetsAnInterimResponseBeforeTheBodyIsSent() async throws {
        try await withServer(handler: echoHandler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("POST /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
            let interim = try await c.readResponse()
            #expect(interim.status == 100)
            try await c.send("data")
            let r = try await c.readResponse()
            #expect(r.status == 200 && r.text == "data")
        }
    }

    @Test func expect100ContinueWithATooLargeBodyGets413InsteadOfContinue() async throws {
        try await withServer({ $0.maxBodyBytes = 10 }, handler: echoHandler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("POST /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n")
            let r = try await c.readResponse()
            #expect(r.status == 413)
            #expect(r.header("Connection") == "close")
        }
    }

    @Test func http10ClosesAfterTheResponseUnlessKeepAliveIsAsked() async throws {
        try await withServer(handler: echoHandler) { _, address in
            let plain = try await RawClient.connect(address)
            try await plain.send("GET /a HTTP/1.0\r\n\r\n")
            let r = try await plain.readResponse()
            #expect(r.status == 200 && r.header("Connection") == "close")
            #expect(try await plain.closes(within: .seconds(5)))

            let kept = try await RawClient.connect(address)
            try await kept.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let k = try await kept.readResponse()
            #expect(k.header("Connection") == "keep-alive")
            #expect(k.header("X-Version") == "HTTP/1.0")
            try await kept.send("GET /c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await kept.readResponse().header("X-Path") == "/c")
        }
    }

    @Test func connectionCloseFromTheClientClosesAfterTheResponse() async throws {
        try await withServer(handler: echoHandler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let r = try await c.readResponse()
            #expect(r.header("Connection") == "close")
            #expect(try await c.closes(within: .seconds(5)))
        }
    }

    @Test func aHandlerAskingForConnectionCloseGetsIt() async throws {
        try await withServer(handler: { _ in HTTPResponse(status: 200, headers: ["Connection": "close"]) }) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await c.readResponse().header("Connection") == "close")
            #expect(try await c.closes(within: .seconds(5)))
        }
    }

    @Test func framingHeadersFromTheHandlerAreReplacedByTheServers() async throws {
        let handler: HTTPHandler = { _ in
            HTTPResponse(status: 200, headers: ["Content-Length": "999", "Transfer-Encoding": "gzip", "X-Ok": "1"], body: Array("abc".utf8))
        }
        try await withServer(handler: handler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let r = try await c.readResponse()
            #expect(r.header("Content-Length") == "3" && r.header("Transfer-Encoding") == nil && r.text == "abc")
            #expect(r.header("X-Ok") == "1")
        }
    }

    @Test func noContentAndNotModifiedCarryNoBody() async throws {
        let handler: HTTPHandler = { r in HTTPResponse(status: r.path == "/204" ? 204 : 304, body: Array("ignored".utf8)) }
        try await withServer(handler: handler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET /204 HTTP/1.1\r\nHost: t\r\n\r\nGET /304 HTTP/1.1\r\nHost: t\r\n\r\n")
            let a = try await c.readResponse()
            let b = try await c.readResponse()
            #expect(a.status == 204 && a.header("Content-Length") == nil)
            #expect(b.status == 304)
        }
    }

    @Test func targetsQueriesAndAbsoluteFormAreSplitIntoPathAndQuery() async throws {
        try await withServer(handler: { r in .text(200, "\(r.path)|\(r.query ?? "nil")|\(r.queryItem("a") ?? "nil")|\(r.remoteAddress.hasPrefix("127.0.0.1:"))") }) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET /p/q?a=b%20c+d&e HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await c.readResponse().text == "/p/q|a=b%20c+d&e|b c d|true")
            try await c.send("GET http://example.com:80/abs?a=1 HTTP/1.1\r\nHost: example.com\r\n\r\n")
            #expect(try await c.readResponse().text == "/abs|a=1|1|true")
            try await c.send("OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await c.readResponse().text == "*|nil|nil|true")
        }
    }

    @Test func keepAliveServesManyRequestsOnOneConnection() async throws {
        try await withServer(handler: echoHandler) { server, address in
            let c = try await RawClient.connect(address)
            for i in 0..<50 {
                try await c.send("POST /n HTTP/1.1\r\nHost: t\r\nContent-Length: \(String(i).utf8.count)\r\n\r\n\(i)")
                #expect(try await c.readResponse().text == String(i))
            }
            #expect(server.connectionCount == 1)
        }
    }

    @Test func ipv4AndIPv6ListenersReportTheirBoundPorts() async throws {
        let server = HTTPServer(configuration: testConfiguration { $0.addresses = ["127.0.0.1:0", "[::1]:0"] }, handler: echoHandler)
        let addresses: [SocketAddress]
        do {
            addresses = try server.start()
        } catch HTTPError.bindFailed(let a, _) where a.contains("::1") {
            return  // no IPv6 loopback on this machine: nothing to test
        }
        #expect(addresses.count == 2)
        #expect(addresses[0].host == "127.0.0.1" && addresses[0].port > 0)
        #expect(addresses[1].host == "::1" && addresses[1].port > 0)
        #expect(addresses[1].description == "[::1]:\(addresses[1].port)")
        for address in addresses {
            let c = try await RawClient.connect(address)
            try await c.send("GET /v HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await c.readResponse().header("X-Path") == "/v")
        }
        await server.shutdown(gracePeriod: .milliseconds(100))
    }
}
