import Foundation
import HTTPServer
import Testing
import HTTPClient

/// A handler for streaming tests: `/plain` answers at once; `/chunks` writes `first`, waits for
/// `gate`, writes `second`; `/sse` sends an event, waits for `gate`, sends two more (the second
/// with an id); anything else sends an event every 20 ms until the client goes away, then opens
/// `gone`.
func streamingHandler(gate: Gate, gone: Gate) -> HTTPHandler {
    { request in
        switch request.path {
        case "/plain":
            return .text(200, "plain")
        case "/chunks":
            return .stream(headers: ["Content-Type": "text/plain"]) { w in
                try? await w.write("first;")
                try? await w.flush()
                await gate.wait()
                try? await w.write("second;")
            }
        case "/sse":
            return .eventStream { w in
                try? await w.send(ServerSentEvent(event: "progress", data: "{\"step\":1}"))
                try? await w.flush()
                await gate.wait()
                try? await w.send(ServerSentEvent(data: "line1\nline2"))
                try? await w.send(ServerSentEvent(data: "last", id: "ev-3"))
            }
        default:
            return .eventStream { w in
                var i = 0
                while true {
                    do {
                        try await w.send(ServerSentEvent(data: "tick \(i)"))
                        try await w.flush()
                        try await Task.sleep(for: .milliseconds(20))
                    } catch {
                        gone.open()
                        return
                    }
                    i += 1
                }
            }
        }
    }
}

@Suite("Streaming bodies and cancellation on our sockets")
struct StreamingTests {
    @Test func chunksArriveBeforeTheResponseEnds() async throws {
        let gate = Gate()
        try await withHTTPServer(handler: streamingHandler(gate: gate, gone: Gate())) { _, base in
            try await withClient { client in
                try await hangGuard {
                    let r = try await client.execute(HTTPClientRequest(url: "\(base)/chunks"))
                    #expect(r.headers["Transfer-Encoding"] == "chunked")
                    var it = r.body.makeAsyncIterator()
                    // The server is parked on the gate: this chunk can only come from streaming.
                    #expect(try await it.next() == Array("first;".utf8))
                    gate.open()
                    var rest: [UInt8] = []
                    while let chunk = try await it.next() { rest += chunk }
                    #expect(rest == Array("second;".utf8))
                    #expect(r.body.trailers?.isEmpty == true)
                }
            }
        }
    }

    @Test func serverSentEventsArriveOneByOneAsTheyAreSent() async throws {
        let gate = Gate()
        try await withHTTPServer(handler: streamingHandler(gate: gate, gone: Gate())) { _, base in
            try await withClient { client in
                try await hangGuard {
                    let r = try await client.execute(
                        HTTPClientRequest(method: "POST", url: "\(base)/sse", headers: [("Accept", "text/event-stream")]))
                    #expect(r.headers["Content-Type"] == "text/event-stream")
                    var events = r.body.serverSentEvents().makeAsyncIterator()
                    let first = try await events.next()
                    #expect(first == SSEEvent(type: "progress", data: "{\"step\":1}"))
                    gate.open()
                    #expect(try await events.next() == SSEEvent(data: "line1\nline2"))
                    #expect(try await events.next() == SSEEvent(data: "last", lastEventID: "ev-3"))
                    #expect(try await events.next() == nil)
                }
            }
        }
    }

    @Test func cancellingTheReaderClosesTheConnectionAndTheServerSeesItGo() async throws {
        let gone = Gate()
        try await withHTTPServer(handler: streamingHandler(gate: Gate(), gone: gone)) { _, base in
            try await withClient { client in
                let received = Probe(0)
                let reader = Task {
                    let r = try await client.execute(HTTPClientRequest(url: "\(base)/forever"))
                    for try await _ in r.body.serverSentEvents() { received.update { $0 += 1 } }
                }
                try await eventually { received.current >= 2 }
                reader.cancel()
                await expectCancellation { try await reader.value }
                try await hangGuard { await gone.wait() }
                // The pool is not poisoned: the next request gets a working connection.
                #expect(try await client.send(HTTPClientRequest(url: "\(base)/plain")).text == "plain")
            }
        }
    }

    @Test func droppingAResponseMidStreamClosesItsConnection() async throws {
        let gone = Gate()
        try await withHTTPServer(handler: streamingHandler(gate: Gate(), gone: gone)) { server, base in
            try await withClient { client in
                do {
                    let r = try await client.execute(HTTPClientRequest(url: "\(base)/forever"))
                    _ = try await r.body.firstChunk()
                }
                try await hangGuard { await gone.wait() }
                try await eventually { server.connectionCount == 0 }
            }
        }
    }

    @Test func cancellingBeforeTheHeadArrivesClosesTheConnection() async throws {
        let closed = Probe(false)
        let server = try ScriptedServer { c, _ in
            guard try c.readRequest() != nil else { return }
            closed.set(c.waitForClose())  // never answers
        }
        try await withClient { client in
            let task = Task { _ = try await client.execute(HTTPClientRequest(url: "\(server.url)/slow")) }
            try await eventually { server.requests.count == 1 }
            task.cancel()
            await expectCancellation { try await task.value }
            try await eventually { closed.current }
        }
    }
}
