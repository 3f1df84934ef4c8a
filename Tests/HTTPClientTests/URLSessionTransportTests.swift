import Foundation
import HTTPServer
import class HTTPTestSupport.RefusingPort
import Testing
@testable import HTTPClient

/// The https path's URLSession bridge, forced onto plain local servers (no HTTPS server is
/// reachable here), so the delegate streaming, timers and cancellation really run.
@Suite("URLSession transport (forced for http://)")
struct URLSessionTransportTests {
    private func withSessionClient(
        _ adjust: @escaping (inout HTTPClient.Configuration) -> Void = { _ in }, _ body: (HTTPClient) async throws -> Void
    ) async throws {
        try await withClient({
            $0.transportPreference = .urlSession
            adjust(&$0)
        }, body)
    }

    @Test func requestsAndResponsesRoundTrip() async throws {
        try await withHTTPServer(handler: peerEcho) { _, base in
            try await withSessionClient { client in
                let r = try await client.send(
                    HTTPClientRequest(method: "POST", url: "\(base)/echo?q=1", headers: [("X-Token", "t1")], body: Array("payload".utf8)))
                #expect(r.status == 200 && r.text == "payload")
                #expect(r.headers["X-Method"] == "POST" && r.headers["X-Target"] == "/echo?q=1")
                #expect(r.headers["X-Token-Seen"] == "t1")
                let get = try await client.send(HTTPClientRequest(url: "\(base)/second"))
                #expect(get.status == 200 && get.body.isEmpty)
            }
        }
    }

    @Test func serverSentEventsStreamThroughTheDelegateAsTheyAreSent() async throws {
        let gate = Gate()
        try await withHTTPServer(handler: streamingHandler(gate: gate, gone: Gate())) { _, base in
            try await withSessionClient { client in
                try await hangGuard {
                    let r = try await client.execute(HTTPClientRequest(method: "POST", url: "\(base)/sse"))
                    #expect(r.status == 200 && r.headers["Content-Type"] == "text/event-stream")
                    var events = r.body.serverSentEvents().makeAsyncIterator()
                    // The server is parked on the gate: this event arrived through didReceive(data).
                    #expect(try await events.next() == SSEEvent(type: "progress", data: "{\"step\":1}"))
                    gate.open()
                    #expect(try await events.next() == SSEEvent(data: "line1\nline2"))
                    #expect(try await events.next() == SSEEvent(data: "last", lastEventID: "ev-3"))
                    #expect(try await events.next() == nil)
                }
            }
        }
    }

    @Test func cancellingTheReaderCancelsTheTaskAndTheServerSeesItGo() async throws {
        let gone = Gate()
        try await withHTTPServer(handler: streamingHandler(gate: Gate(), gone: gone)) { _, base in
            try await withSessionClient { client in
                let received = Probe(0)
                let reader = Task {
                    let r = try await client.execute(HTTPClientRequest(url: "\(base)/forever"))
                    for try await _ in r.body.serverSentEvents() { received.update { $0 += 1 } }
                }
                try await eventually { received.current >= 2 }
                reader.cancel()
                await expectCancellation { try await reader.value }
                try await hangGuard { await gone.wait() }
                #expect(try await client.send(HTTPClientRequest(url: "\(base)/plain")).text == "plain")
            }
        }
    }

    @Test func aServerThatNeverAnswersHitsTheResponseHeadTimeout() async throws {
        let server = try ScriptedServer { c, _ in
            guard try c.readRequest() != nil else { return }
            _ = c.waitForClose()
        }
        try await withSessionClient { client in
            let request = HTTPClientRequest(url: "\(server.url)/", timeouts: .init(responseHead: .milliseconds(300)))
            await expectClientError(.responseHeadTimeout) { _ = try await hangGuard { try await client.send(request) } }
        }
    }

    @Test func aStalledBodyHitsTheIdleTimeout() async throws {
        let server = try ScriptedServer { c, _ in
            guard try c.readRequest() != nil else { return }
            c.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nten bytes.")
            _ = c.waitForClose()
        }
        try await withSessionClient { client in
            let r = try await client.execute(HTTPClientRequest(url: "\(server.url)/", timeouts: .init(idle: .milliseconds(300))))
            await expectClientError(.idleTimeout) {
                try await hangGuard { for try await _ in r.body {} }
            }
        }
    }

    @Test func redirectsAreReturnedNotFollowed() async throws {
        let followed = Probe(false)
        let handler: HTTPHandler = { r in
            if r.path == "/target" {
                followed.set(true)
                return .text(200, "target")
            }
            var h = HTTPHeaders()
            h.add("Location", "/target")
            return HTTPResponse(status: 302, headers: h, body: Array("moved".utf8))
        }
        try await withHTTPServer(handler: handler) { _, base in
            try await withSessionClient { client in
                let r = try await client.send(HTTPClientRequest(url: "\(base)/start", headers: [("Authorization", "Bearer x")]))
                #expect(r.status == 302 && r.headers["Location"] == "/target")
                #expect(!followed.current)
            }
        }
    }

    @Test func theBufferedBodyLimitApplies() async throws {
        let handler: HTTPHandler = { _ in HTTPResponse(status: 200, body: [UInt8](repeating: 1, count: 50_000)) }
        try await withHTTPServer(handler: handler) { _, base in
            try await withSessionClient { client in
                await expectClientError(.bodyTooLarge(limit: 10_000)) {
                    _ = try await client.send(HTTPClientRequest(url: "\(base)/"), maxBodyBytes: 10_000)
                }
                let full = try await client.send(HTTPClientRequest(url: "\(base)/"))
                #expect(full.body.count == 50_000)
            }
        }
    }

    @Test func aConsumerTooFarBehindFailsInsteadOfBufferingWithoutBound() async throws {
        let handler: HTTPHandler = { _ in
            .stream(headers: [:]) { w in
                for _ in 0..<64 { try? await w.write([UInt8](repeating: 3, count: 16 * 1024)) }
            }
        }
        try await withHTTPServer(handler: handler) { _, base in
            try await withSessionClient({ $0.urlSessionBufferLimit = 64 * 1024 }) { client in
                let r = try await client.execute(HTTPClientRequest(url: "\(base)/"))
                // Not reading at all: the delegate keeps receiving until the limit trips.
                let exchange = r.body.handle.exchange
                try await eventually { exchange.isFinished }
                let got = Probe(0)
                await expectClientError(.consumerTooSlow(limit: 64 * 1024)) {
                    try await hangGuard { for try await chunk in r.body { got.update { $0 += chunk.count } } }
                }
                #expect(got.current > 64 * 1024 && got.current < 64 * 16 * 1024)
            }
        }
    }

    @Test func aRefusedConnectIsReported() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }  // refused until the test ends
        let url = "\(refusing.baseURL)/"
        try await withSessionClient { client in
            await expectClientError(.connectFailed(errno: ECONNREFUSED)) { _ = try await client.send(HTTPClientRequest(url: url)) }
        }
    }

    @Test func headerInjectionIsRefusedOnThisPathToo() async throws {
        try await withSessionClient { client in
            await expectClientError(.invalidHeaderValue(name: "X-A")) {
                _ = try await client.send(HTTPClientRequest(url: "http://127.0.0.1:1/", headers: [("X-A", "1\r\nX-B: 2")]))
            }
        }
    }
}
