import Foundation
import HTTPServer
import class HTTPTestSupport.RefusingPort
import Testing
import HTTPClient

/// Echoes the body and reports the peer address (one per TCP connection) in `X-Peer`.
let peerEcho: HTTPHandler = { request in
    var headers = HTTPHeaders()
    headers.add("X-Peer", request.remoteAddress)
    headers.add("X-Method", request.method)
    headers.add("X-Target", request.target)
    if let host = request.headers["Host"] { headers.add("X-Host", host) }
    if let token = request.headers["X-Token"] { headers.add("X-Token-Seen", token) }
    return HTTPResponse(status: 200, headers: headers, body: request.body)
}

@Suite("Keep-alive pool on our sockets")
struct PoolTests {
    @Test func sequentialRequestsReuseOneConnection() async throws {
        try await withHTTPServer(handler: peerEcho) { _, base in
            try await withClient { client in
                var peers = Set<String>()
                for i in 0..<20 {
                    let method = i % 2 == 0 ? "GET" : "POST"
                    let r = try await client.send(
                        HTTPClientRequest(method: method, url: "\(base)/echo?i=\(i)", body: method == "POST" ? Array("body \(i)".utf8) : []))
                    #expect(r.status == 200)
                    #expect(r.headers["X-Method"] == method && r.headers["X-Target"] == "/echo?i=\(i)")
                    if method == "POST" { #expect(r.text == "body \(i)") }
                    peers.insert(r.headers["X-Peer"] ?? "")
                }
                #expect(peers.count == 1)
            }
        }
    }

    @Test func theHostHeaderAndCallerHeadersReachTheServer() async throws {
        try await withHTTPServer(handler: peerEcho) { _, base in
            try await withClient { client in
                let r = try await client.send(HTTPClientRequest(url: "\(base)/", headers: [("X-Token", "abc")]))
                #expect(r.headers["X-Host"] == String(base.dropFirst("http://".count)))
                #expect(r.headers["X-Token-Seen"] == "abc")
            }
        }
    }

    @Test func concurrentRequestsGrowThePoolToItsLimitAndNeverInterleave() async throws {
        let limit = 4
        let inFlight = Probe(0)
        let gate = Gate()
        let handler: HTTPHandler = { request in
            let n = inFlight.update { v -> Int in
                v += 1
                return v
            }
            if n >= limit { gate.open() }
            await gate.wait()  // opens only once `limit` requests are in flight at the same time
            inFlight.update { $0 -= 1 }
            return await peerEcho(request)
        }
        try await withHTTPServer(handler: handler) { _, base in
            try await withClient({ $0.maxConnectionsPerOrigin = limit }) { client in
                let results = try await hangGuard {
                    try await withThrowingTaskGroup(of: (Int, HTTPClientResponse.Buffered).self) { group in
                        for i in 0..<24 {
                            group.addTask {
                                let body = Array(String(repeating: "request-\(i);", count: 200 + i).utf8)
                                return (i, try await client.send(HTTPClientRequest(method: "POST", url: "\(base)/", body: body)))
                            }
                        }
                        var all: [(Int, HTTPClientResponse.Buffered)] = []
                        for try await r in group { all.append(r) }
                        return all
                    }
                }
                #expect(results.count == 24)
                for (i, r) in results {
                    #expect(r.text == String(repeating: "request-\(i);", count: 200 + i))
                }
                let peers = Set(results.map { $0.1.headers["X-Peer"] ?? "" })
                #expect(peers.count == limit)
            }
        }
    }

    @Test func aServerClosingAnIdlePooledConnectionIsNoticedAndTheNextRequestSucceeds() async throws {
        try await withHTTPServer({ $0.idleTimeout = .milliseconds(100) }, handler: peerEcho) { server, base in
            try await withClient { client in
                let first = try await client.send(HTTPClientRequest(url: "\(base)/1"))
                try await eventually { server.connectionCount == 0 }  // the server idle-closed it
                let second = try await client.send(HTTPClientRequest(method: "POST", url: "\(base)/2", body: [1, 2, 3]))
                #expect(second.body == [1, 2, 3])
                #expect(first.headers["X-Peer"] != second.headers["X-Peer"])
            }
        }
    }

    @Test func aCloseRacingTheNextRequestIsRetriedForAnIdempotentRequest() async throws {
        // Connection 0 answers one request and reads a second one, then closes without
        // answering (what a server's idle close crossing our request looks like).
        let server = try ScriptedServer { c, index in
            guard let r = try c.readRequest() else { return }
            c.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n\(index)\(r.requestLine.hasPrefix("GET") ? "g" : "p")")
            if index == 0 { _ = try c.readRequest() }
        }
        try await withClient { client in
            #expect(try await client.send(HTTPClientRequest(url: "\(server.url)/a")).text == "0g")
            let retried = try await client.send(HTTPClientRequest(url: "\(server.url)/b"))
            #expect(retried.text == "1g")
            #expect(server.accepted == 2)
            #expect(server.requests.map(\.requestLine) == ["GET /a HTTP/1.1", "GET /b HTTP/1.1", "GET /b HTTP/1.1"])
        }
    }

    @Test func aPostThatWasSentIsNeverRetried() async throws {
        let server = try ScriptedServer { c, index in
            guard try c.readRequest() != nil else { return }
            c.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            if index == 0 { _ = try c.readRequest() }  // read the POST, then close without answering
        }
        try await withClient { client in
            _ = try await client.send(HTTPClientRequest(url: "\(server.url)/a"))
            await expectClientError(.connectionClosed) {
                _ = try await client.send(HTTPClientRequest(method: "POST", url: "\(server.url)/tools-call", body: Array("{}".utf8)))
            }
            #expect(server.requests.filter { $0.requestLine.hasPrefix("POST") }.count == 1)
            #expect(server.accepted == 1)
        }
    }

    @Test func aRequestRetriedOnceFailsIfTheSecondConnectionAlsoDies() async throws {
        let server = try ScriptedServer { c, index in
            guard try c.readRequest() != nil else { return }
            if index == 0 {
                c.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                _ = try c.readRequest()
            }
        }
        try await withClient { client in
            _ = try await client.send(HTTPClientRequest(url: "\(server.url)/a"))
            await expectClientError(.connectionClosed) { _ = try await client.send(HTTPClientRequest(url: "\(server.url)/b")) }
        }
    }

    @Test func aFreshConnectionThatDiesIsNotRetried() async throws {
        let server = try ScriptedServer { c, _ in _ = try c.readRequest() }
        try await withClient { client in
            await expectClientError(.connectionClosed) { _ = try await client.send(HTTPClientRequest(url: "\(server.url)/")) }
            #expect(server.accepted == 1)
        }
    }

    @Test func aConnectionClosedResponseIsNotPooled() async throws {
        try await withHTTPServer(handler: { r in
            var h = HTTPHeaders()
            h.add("Connection", "close")
            h.add("X-Peer", r.remoteAddress)
            return HTTPResponse(status: 200, headers: h, body: [1])
        }) { _, base in
            try await withClient { client in
                let a = try await client.send(HTTPClientRequest(url: "\(base)/"))
                let b = try await client.send(HTTPClientRequest(url: "\(base)/"))
                #expect(a.headers["X-Peer"] != b.headers["X-Peer"])
            }
        }
    }

    @Test func localhostIsResolvedOffTheLoop() async throws {
        try await withHTTPServer(handler: peerEcho) { _, base in
            let port = base.split(separator: ":").last!
            try await withClient { client in
                let r = try await client.send(HTTPClientRequest(url: "http://localhost:\(port)/x"))
                #expect(r.status == 200 && r.headers["X-Host"] == "localhost:\(port)")
            }
        }
    }

    @Test func anUnknownHostFailsWithNameResolution() async throws {
        try await withClient { client in
            do {
                _ = try await client.send(HTTPClientRequest(url: "http://no-such-host.invalid/"))
                Issue.record("expected a resolution failure")
            } catch let HTTPClientError.nameResolutionFailed(host, _) {
                #expect(host == "no-such-host.invalid")
            }
        }
    }

    @Test func aRefusedConnectIsReportedWithItsErrno() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }  // refused until the test ends
        let url = "\(refusing.baseURL)/"
        try await withClient { client in
            await expectClientError(.connectFailed(errno: ECONNREFUSED)) { _ = try await client.send(HTTPClientRequest(url: url)) }
        }
    }

    @Test func ipv6LoopbackWorksWhenAvailable() async throws {
        let probe = HTTPServer(configuration: {
            var c = HTTPServer.Configuration()
            c.addresses = ["[::1]:0"]
            c.accessLog = false
            c.loopCount = 1
            return c
        }(), handler: peerEcho)
        guard (try? probe.start()) != nil else { return }  // no IPv6 loopback on this machine
        await probe.shutdown(gracePeriod: .milliseconds(10))
        try await withHTTPServer(address: "[::1]:0", handler: peerEcho) { _, base in
            #expect(base.hasPrefix("http://[::1]:"))
            try await withClient { client in
                let r = try await client.send(HTTPClientRequest(method: "POST", url: "\(base)/v6", body: [42]))
                #expect(r.body == [42] && r.headers["X-Peer"]?.hasPrefix("[::1]:") == true)
                #expect(r.headers["X-Host"] == String(base.dropFirst("http://".count)))
            }
        }
    }

    @Test func headerInjectionIsRefusedBeforeAnyConnectionIsMade() async throws {
        let server = try ScriptedServer { c, _ in _ = try c.readRequest() }
        try await withClient { client in
            await expectClientError(.invalidHeaderValue(name: "Authorization")) {
                _ = try await client.send(
                    HTTPClientRequest(url: server.url, headers: [("Authorization", "Bearer x\r\nX-Admin: true")]))
            }
            await expectClientError(.forbiddenHeader("Content-Length")) {
                _ = try await client.send(HTTPClientRequest(url: server.url, headers: [("Content-Length", "0")]))
            }
            #expect(server.accepted == 0)
        }
    }

    @Test func withNoIdleSlotsEveryResponseClosesItsConnection() async throws {
        try await withHTTPServer(handler: peerEcho) { _, base in
            try await withClient({ $0.maxIdleConnectionsPerOrigin = 0 }) { client in
                var peers = Set<String>()
                for _ in 0..<3 { peers.insert(try await client.send(HTTPClientRequest(url: "\(base)/")).headers["X-Peer"] ?? "") }
                #expect(peers.count == 3)
            }
        }
    }

    @Test func shutdownFailsAStreamInProgressAndClosesItsConnection() async throws {
        let gone = Gate()
        try await withHTTPServer(handler: streamingHandler(gate: Gate(), gone: gone)) { _, base in
            let client = HTTPClient()
            let r = try await client.execute(HTTPClientRequest(url: "\(base)/forever"))
            _ = try await r.body.firstChunk()
            await client.shutdown()
            await expectClientError(.shutdown) { for try await _ in r.body {} }
            try await hangGuard { await gone.wait() }
        }
    }

    @Test func afterShutdownRequestsFailWithShutdown() async throws {
        let client = HTTPClient()
        await client.shutdown()
        await expectClientError(.shutdown) { _ = try await client.send(HTTPClientRequest(url: "http://127.0.0.1:1/")) }
    }
}
