import Testing
@testable import HTTPServer
import HTTPTestSupport

@Suite("Streaming responses and back-pressure")
struct StreamingTests {
    @Test func aStreamIsSentChunkedInWriteOrder() async throws {
        let handler: HTTPHandler = { _ in
            .stream(headers: ["Content-Type": "text/plain"]) { w in
                for i in 0..<5 { try? await w.write("part\(i);") }
                try? await w.write([])  // empty writes are no-ops, never a terminating chunk
                try? await w.flush()
            }
        }
        try await withServer(handler: handler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let r = try await c.readResponse()
            #expect(r.header("Transfer-Encoding") == "chunked")
            #expect(r.header("Content-Length") == nil)
            #expect(r.text == "part0;part1;part2;part3;part4;")
            // Keep-alive after a stream.
            try await c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await c.readResponse().text.hasPrefix("part0;"))
        }
    }

    @Test func serverSentEventsAreFramedAndSentAsTheyAreWritten() async throws {
        let gate = Gate()
        let handler: HTTPHandler = { _ in
            .eventStream { w in
                try? await w.send(ServerSentEvent(event: "message", data: "{\"a\":1}"))
                try? await w.flush()
                await gate.wait()
                try? await w.send(ServerSentEvent(event: "message", data: "line1\nline2"))
            }
        }
        try await withServer(handler: handler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("POST /mcp HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
            // The first event arrives while the handler is still parked on the gate.
            let head = try await c.read(atMost: 4096, timeout: .seconds(5))
            let text = String(decoding: head, as: UTF8.self)
            #expect(text.contains("Content-Type: text/event-stream"))
            #expect(text.contains("X-Accel-Buffering: no"))
            #expect(text.contains("event: message\r\ndata: {\"a\":1}\r\n\r\n"))
            gate.open()
            let (rest, _) = try await c.readToClose(timeout: .milliseconds(500))
            let tail = String(decoding: rest, as: UTF8.self)
            #expect(tail.contains("event: message\r\ndata: line1\r\ndata: line2\r\n\r\n"))
            #expect(tail.hasSuffix("0\r\n\r\n"))
        }
    }

    @Test func onHTTP10AStreamIsCloseDelimited() async throws {
        let handler: HTTPHandler = { _ in .stream(headers: [:]) { w in try? await w.write("abc") } }
        try await withServer(handler: handler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let r = try await c.readResponse()
            #expect(r.header("Transfer-Encoding") == nil && r.header("Connection") == "close")
            #expect(r.text == "abc")
        }
    }

    @Test func headOnAStreamingRouteSendsHeadersAndNeverRunsTheBody() async throws {
        let ran = Probe(false)
        let handler: HTTPHandler = { _ in .stream(headers: [:]) { w in ran.set(true); try? await w.write("x") } }
        try await withServer(handler: handler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n")
            let r = try await c.readResponse(forHead: true)
            #expect(r.status == 200 && r.header("Transfer-Encoding") == "chunked")
            try await c.send("GET /after HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await c.readResponse().text == "x")
            #expect(ran.current)  // only the GET ran it
        }
    }

    @Test func aSlowReaderMakesTheWriterSuspendWithBoundedBufferingAndReadingResumesIt() async throws {
        let chunk = 16 * 1024
        let total = 64 * 1024 * 1024
        let progress = Probe(0)  // bytes accepted by write()
        let maxPending = Probe(0)
        let finished = Probe(false)
        let writerBox = Probe<HTTPBodyWriter?>(nil)
        let handler: HTTPHandler = { _ in
            .stream(headers: [:]) { w in
                writerBox.set(w)
                var sent = 0
                let bytes = [UInt8](repeating: 0x62, count: chunk)
                while sent < total {
                    do { try await w.write(bytes) } catch { return }
                    sent += chunk
                    progress.set(sent)
                    let p = w.pendingBytes
                    maxPending.update { $0 = max($0, p) }
                }
                finished.set(true)
            }
        }
        let highWater = 256 * 1024
        try await withServer({ $0.streamHighWaterMark = highWater; $0.streamLowWaterMark = 64 * 1024 }, handler: handler) { _, address in
            let c = try await RawClient.connect(address, receiveBuffer: 64 * 1024)
            try await c.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n")

            // Wait until the writer stalls: progress stops changing while nothing is read.
            var last = -1
            var stable = 0
            // Generous: a saturated test process once ran only 12 of these 10 ms steps in 10 s.
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline && stable < 20 {
                try await Task.sleep(for: .milliseconds(10))
                let now = progress.current
                stable = now == last ? stable + 1 : 0
                last = now
            }
            let stalledAt = progress.current
            #expect(stable >= 20, "the writer never stalled")
            #expect(stalledAt < 32 * 1024 * 1024, "accepted \(stalledAt) bytes without a reader")
            #expect(!finished.current)
            // Unsent bytes inside the server stay near the high-water mark (one chunk of slack).
            #expect(maxPending.current <= highWater + chunk)
            #expect((writerBox.current?.pendingBytes ?? 0) <= highWater + chunk)
            #expect(writerBox.current?.channel.waiterCount == 1)

            // Reading resumes the writer; everything arrives intact.
            let r = try await c.readResponse(timeout: .seconds(60))
            #expect(r.body.count == total)
            #expect(r.body.allSatisfy { $0 == 0x62 })
            #expect(await eventually { finished.current })
        }
    }
}
