import Testing
@testable import HTTPServer
import HTTPTestSupport

@Suite("Disconnect cancels the handler")
struct CancellationTests {
    @Test(arguments: ["close", "reset", "half-close"])
    func aClientThatGoesAwayCancelsTheRunningHandlerTask(_ how: String) async throws {
        let started = Probe(false)
        let outcome = Probe<String?>(nil)
        let handler: HTTPHandler = { _ in
            started.set(true)
            do {
                try await Task.sleep(for: .seconds(30))
                outcome.set("finished")
            } catch {
                outcome.set(Task.isCancelled ? "cancelled" : "other")
            }
            return .text(200, "late")
        }
        try await withServer(handler: handler) { server, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(await eventually { started.current })
            switch how {
            case "reset": c.reset()
            case "half-close": c.shutdownWrite()
            default: c.shutdownBoth()
            }
            #expect(await eventually { outcome.current != nil })
            #expect(outcome.current == "cancelled")
            #expect(await eventually { server.connectionCount == 0 })
        }
    }

    @Test func aStreamWhoseClientDisconnectsSeesWritesThrowAndIsCancelled() async throws {
        let outcome = Probe<(error: String, cancelled: Bool, flag: Bool)?>(nil)
        let handler: HTTPHandler = { _ in
            .eventStream { w in
                do {
                    while true {
                        try await w.send(ServerSentEvent(data: "tick"))
                        try await Task.sleep(for: .milliseconds(5))
                    }
                } catch {
                    let name = (error as? HTTPError) == .disconnected ? "disconnected" : "\(type(of: error))"
                    outcome.set((name, Task.isCancelled, w.isDisconnected))
                }
            }
        }
        try await withServer(handler: handler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try await c.read(atMost: 100, timeout: .seconds(5))
            c.reset()
            #expect(await eventually { outcome.current != nil })
            #expect(outcome.current?.cancelled == true)
            #expect(outcome.current?.flag == true)
            #expect(["disconnected", "CancellationError"].contains(outcome.current?.error))
            // And once disconnected, a further write throws `.disconnected`.
        }
    }

    @Test func sendingToClientsThatResetNeverKillsTheProcess() async throws {
        // 8 MiB responses to clients that reset at once: sends fail with EPIPE/ECONNRESET, which
        // must neither raise SIGPIPE nor disturb other connections.
        let big = [UInt8](repeating: 0x7A, count: 8 << 20)
        try await withServer(handler: { _ in HTTPResponse(status: 200, body: big) }) { server, address in
            for _ in 0..<10 {
                let c = try await RawClient.connect(address, receiveBuffer: 4096)
                try await c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                _ = try await c.read(atMost: 1, timeout: .seconds(5))
                c.reset()
            }
            #expect(await eventually { server.connectionCount == 0 })
            let ok = try await RawClient.connect(address)
            try await ok.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await ok.readResponse(timeout: .seconds(30)).body.count == big.count)
        }
    }

    @Test func aWriteAfterTheStreamEndedThrowsInsteadOfCorruptingTheNextResponse() async throws {
        let leaked = Probe<HTTPBodyWriter?>(nil)
        let handler: HTTPHandler = { r in
            if r.path == "/leak" {
                return .stream(headers: [:]) { w in leaked.set(w); try? await w.write("a") }
            }
            return .text(200, "clean")
        }
        try await withServer(handler: handler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET /leak HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await c.readResponse().text == "a")
            await #expect(throws: HTTPError.disconnected) { try await leaked.current!.write("zzz") }
            try await c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await c.readResponse().text == "clean")
        }
    }
}
