import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import HTTPServer
import HTTPTestSupport

@Suite("Start and graceful shutdown")
struct ShutdownTests {
    @Test func gracefulShutdownDrainsAnInFlightRequestRefusesNewConnectionsAndClosesIdleOnes() async throws {
        let gate = Gate()
        let started = Probe(false)
        let handler: HTTPHandler = { r in
            if r.path == "/slow" {
                started.set(true)
                await gate.wait()
                return .text(200, "drained")
            }
            return .text(200, "quick")
        }
        let server = HTTPServer(configuration: testConfiguration(), handler: handler)
        let address = try server.start()[0]

        let idle = try await RawClient.connect(address)
        try await idle.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await idle.readResponse().text == "quick")

        let busy = try await RawClient.connect(address)
        try await busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(await eventually { started.current })

        let shutdown = Task { await server.shutdown(gracePeriod: .seconds(30)) }

        // The idle keep-alive connection is closed without a response.
        let (bytes, kind) = try await idle.readToClose(timeout: .seconds(5))
        #expect(kind == .eof && bytes.isEmpty)
        // New connections are refused once the listener is closed.
        #expect(await eventually {
            guard let fd = try? RawClient.openSocket(address, receiveBuffer: nil) else { return true }
            close(fd)
            return false
        })
        // The in-flight request still completes, with Connection: close.
        gate.open()
        let r = try await busy.readResponse()
        #expect(r.status == 200 && r.text == "drained")
        #expect(r.header("Connection") == "close")
        await shutdown.value
        #expect(server.connectionCount == 0)
    }

    @Test func whenTheGracePeriodEndsStuckHandlersAreCancelled() async throws {
        let outcome = Probe<String?>(nil)
        let handler: HTTPHandler = { _ in
            do {
                try await Task.sleep(for: .seconds(600))
                outcome.set("finished")
            } catch {
                outcome.set("cancelled")
            }
            return .text(200, "")
        }
        let server = HTTPServer(configuration: testConfiguration(), handler: handler)
        let address = try server.start()[0]
        let c = try await RawClient.connect(address)
        try await c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(await eventually { server.connectionCount == 1 })
        let start = ContinuousClock.now
        await server.shutdown(gracePeriod: .milliseconds(200))
        // Far below the handler's 600 s, far above a 200 ms grace: with a thousand tests sharing
        // two cores, 5 s was once exceeded by a shutdown that did cancel its handler.
        #expect(ContinuousClock.now - start < .seconds(60))
        #expect(await eventually { outcome.current == "cancelled" })
        #expect(try await c.closes(within: .seconds(5)))
    }

    @Test func shutdownIsIdempotentAndSafeBeforeStart() async throws {
        let never = HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        await never.shutdown(gracePeriod: .zero)
        #expect(throws: HTTPError.alreadyStarted) { try never.start() }

        let server = HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        try server.start()
        #expect(throws: HTTPError.alreadyStarted) { try server.start() }
        async let a: Void = server.shutdown(gracePeriod: .milliseconds(50))
        async let b: Void = server.shutdown(gracePeriod: .milliseconds(50))
        _ = await (a, b)
        #expect(server.addresses.isEmpty)
    }

    @Test func badAddressesAndBusyPortsAreReportedAndTheServerCanRetry() async throws {
        let bad = HTTPServer(configuration: testConfiguration { $0.addresses = ["::1:80"] }, handler: echoHandler)
        #expect(throws: HTTPError.invalidAddress("::1:80")) { try bad.start() }

        // A port below the kernel's ephemeral range (32768–60999 here), so no other test's
        // port-0 bind can take it in the moment between `first` stopping and `second` retrying.
        var first = HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        var port = 0
        for candidate in (0..<50).map({ _ in Int.random(in: 20_000..<30_000) }) {
            first = HTTPServer(configuration: testConfiguration { $0.addresses = ["127.0.0.1:\(candidate)"] }, handler: echoHandler)
            if (try? first.start()) != nil {
                port = candidate
                break
            }
        }
        try #require(port != 0, "no free port in 20000–29999")
        let second = HTTPServer(configuration: testConfiguration { $0.addresses = ["127.0.0.1:\(port)"] }, handler: echoHandler)
        #expect(throws: HTTPError.self) { try second.start() }
        await first.shutdown(gracePeriod: .zero)
        // The port is free again; the failed server can start now.
        try second.start()
        await second.shutdown(gracePeriod: .zero)
    }

    @Test func connectionsAreSpreadOverTheLoops() async throws {
        let server = HTTPServer(configuration: testConfiguration { $0.loopCount = 3 }, handler: echoHandler)
        let address = try server.start()[0]
        var clients: [RawClient] = []
        for _ in 0..<9 {
            let c = try await RawClient.connect(address)
            try await c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await c.readResponse().status == 200)
            clients.append(c)
        }
        #expect(server.connectionCount == 9)
        await server.shutdown(gracePeriod: .milliseconds(100))
        #expect(server.connectionCount == 0)
    }
}
