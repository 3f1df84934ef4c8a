import Foundation
import HTTPServer
import Testing
@testable import HTTPClient

@Suite("Back-pressure on our sockets")
struct BackPressureTests {
    @Test func aStalledConsumerStopsTheSocketReadsAndReadingResumesThem() async throws {
        let chunk = 16 * 1024
        let total = 64 * 1024 * 1024
        let progress = Probe(0)  // bytes the server's writer accepted
        let finished = Probe(false)
        let handler: HTTPHandler = { _ in
            .stream(headers: [:]) { w in
                var sent = 0
                let bytes = [UInt8](repeating: 0x62, count: chunk)
                while sent < total {
                    do { try await w.write(bytes) } catch { return }
                    sent += chunk
                    progress.set(sent)
                }
                finished.set(true)
            }
        }
        let highWater = 128 * 1024
        // The server gives up on a reader that takes nothing for `writeStallTimeout`; this test
        // stalls on purpose, and a starved test process can stay stalled for longer than the
        // 30 s default, so the server here waits as long as the test's own hang guards.
        try await withHTTPServer({ $0.writeStallTimeout = .seconds(300) }, handler: handler) { _, base in
            try await withClient({ $0.streamHighWaterMark = highWater; $0.streamLowWaterMark = 32 * 1024 }) { client in
                let r = try await client.execute(HTTPClientRequest(url: "\(base)/big"))
                var it = r.body.makeAsyncIterator()
                let received = try await it.next()?.count ?? 0

                // Wait until the server's writer stalls: its progress stops while we read nothing.
                var last = -1
                var stable = 0
                let deadline = ContinuousClock.now + .seconds(60)  // a bound on a hang: a starved test process fills the buffers slowly
                while ContinuousClock.now < deadline && stable < 20 {
                    try await Task.sleep(for: .milliseconds(10))
                    let now = progress.current
                    stable = now == last ? stable + 1 : 0
                    last = now
                }
                #expect(stable >= 20, "the server's writer never stalled")
                #expect(progress.current < 32 * 1024 * 1024, "the client took \(progress.current) bytes without a reader")
                #expect(!finished.current)
                // What the client holds for the stalled reader stays near the high-water mark
                // (plus at most one 64 KiB socket read).
                #expect(r.body.handle.exchange.bufferedBytes <= highWater + 64 * 1024)

                // Reading again resumes the socket; everything arrives intact.
                let body = r.body  // a second iterator continues the same stream
                try await hangGuard(120) {
                    var count = received
                    var allB = true
                    for try await c in body {
                        count += c.count
                        if allB && !c.allSatisfy({ $0 == 0x62 }) { allB = false }
                    }
                    #expect(count == total && allB)
                }
                try await eventually { finished.current }
            }
        }
    }
}
