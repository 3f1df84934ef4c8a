import Foundation
import Testing
@testable import HTTPServer
import HTTPTestSupport

@Suite("Timeouts", .serialized)
struct TimeoutTests {
    @Test func aSlowlorisTricklingOneByteEvery50msIsCutOffAtTheHeaderDeadlineWith408() async throws {
        // The client runs on its own threads from connect to the response: on a saturated
        // cooperative pool a Task can wait seconds between connecting and sending its first
        // byte, and the server then rightly treats the connection as silent (another test).
        try await withServer({ $0.headerTimeout = .milliseconds(3000) }, handler: echoHandler) { _, address in
            let request = Array("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: \(String(repeating: "s", count: 120))\r\n\r\n".utf8)
            let (r, elapsed) = try await offload { () throws -> (RawResponse, Duration) in
                let c = try RawClient.connectBlocking(address)
                let start = ContinuousClock.now
                try c.sendBlocking([request[0]])
                // The rest trickles from another thread and would take ~7 s; it stops when the
                // server closes the connection.
                let trickler = Thread {
                    for b in request.dropFirst() {
                        guard (try? c.sendBlocking([b])) != nil else { return }
                        usleep(50_000)
                    }
                }
                trickler.start()
                let r = try c.readResponseBlocking(forHead: false, timeout: .seconds(10))
                return (r, ContinuousClock.now - start)
            }
            // A 408 can only come from the deadline: the whole trickle takes ~7 s.
            #expect(r.status == 408)
            #expect(r.header("Connection") == "close")
            #expect(elapsed < .milliseconds(6500))
        }
    }

    @Test func aLateFirstByteDoesNotBuyANewConnectionAFreshHeaderDeadline() async throws {
        try await withServer({ $0.headerTimeout = .milliseconds(200) }, handler: echoHandler) { _, address in
            let c = try await RawClient.connect(address)
            // The client's own pacing, far past the deadline counted from accept.
            try await Task.sleep(for: .milliseconds(1500))
            try? await c.send("GET / HTTP/1.1\r\n")
            // Had the first byte started a fresh deadline we would now get a 408; instead the
            // connection was already closed at the deadline counted from accept, silently.
            let (bytes, kind) = try await c.readToClose(timeout: .seconds(5))
            #expect(kind != .stillOpen)
            #expect(!String(decoding: bytes, as: UTF8.self).contains("408"))
        }
    }

    @Test func aConnectionThatNeverSendsIsClosedSilentlyAtTheHeaderDeadline() async throws {
        try await withServer({ $0.headerTimeout = .milliseconds(200) }, handler: echoHandler) { server, address in
            let c = try await RawClient.connect(address)
            let (bytes, kind) = try await c.readToClose(timeout: .seconds(5))
            #expect(kind == .eof)
            #expect(bytes.isEmpty)
            #expect(await eventually { server.connectionCount == 0 })
        }
    }

    @Test func aBodyThatStopsArrivingGets408AtTheBodyDeadline() async throws {
        try await withServer({ $0.bodyTimeout = .milliseconds(300) }, handler: echoHandler) { _, address in
            let c = try await RawClient.connect(address)
            let start = ContinuousClock.now
            try await c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
            let r = try await c.readResponse()
            #expect(r.status == 408)
            #expect(ContinuousClock.now - start >= .milliseconds(250))
            #expect(try await c.closes(within: .seconds(5)))
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosedAtTheIdleTimeout() async throws {
        try await withServer({ $0.idleTimeout = .milliseconds(300) }, handler: echoHandler) { server, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await c.readResponse().status == 200)
            let (bytes, kind) = try await c.readToClose(timeout: .seconds(5))
            #expect(kind == .eof && bytes.isEmpty)
            #expect(await eventually { server.connectionCount == 0 })
        }
    }

    @Test func aWriteThatStallsPastItsTimeoutClosesTheConnectionAndCancelsTheHandler() async throws {
        let cancelled = Probe(false)
        let handler: HTTPHandler = { _ in
            .stream(headers: [:]) { writer in
                let chunk = [UInt8](repeating: 0x61, count: 64 * 1024)
                do {
                    while true { try await writer.write(chunk) }
                } catch {
                    cancelled.set(Task.isCancelled)
                }
            }
        }
        try await withServer({ $0.writeStallTimeout = .milliseconds(300) }, handler: handler) { server, address in
            let c = try await RawClient.connect(address, receiveBuffer: 4096)
            try await c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            // Never read: the kernel buffers fill, sends stop making progress, the stall timer fires.
            #expect(await eventually(timeout: .seconds(60)) { cancelled.current })
            #expect(await eventually { server.connectionCount == 0 })
        }
    }
}
