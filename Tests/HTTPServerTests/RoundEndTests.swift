import Foundation
import HTTPTestSupport
import Synchronization
import Testing
@testable import HTTPServer

/// `RoundEndScheduling`: an event loop runs round-end work on its own thread, after the jobs
/// queued before it, also when asked from another thread, and on the shared pool once stopped.
@Suite("Round-end work on an event loop")
struct RoundEndTests {
    final class Trace: Sendable {
        let steps = Mutex<[String]>([])
        let done = Gate()
        func note(_ step: String) { steps.withLock { $0.append(step) } }
    }

    @Test
    func roundEndWorkRunsOnTheLoopAfterTheJobsQueuedBeforeIt() async throws {
        let trace = Trace()
        let handler: HTTPHandler = { request in
            guard let loop = request.executor as? EventLoop else { return .text(500, "no loop executor") }
            // A job queued on the loop before the round-end work must run before it.
            Task(executorPreference: loop) { trace.note("job on loop: \(loop.isLoopThread)") }
            loop.atRoundEnd {
                trace.note("end on loop: \(loop.isLoopThread)")
                // Queued by round-end work: runs in the next round, which must come by itself.
                loop.atRoundEnd {
                    trace.note("next round on loop: \(loop.isLoopThread)")
                    // From another thread: queued through the inbox, still run on the loop.
                    Thread.detachNewThread {
                        loop.atRoundEnd {
                            trace.note("from a thread, on loop: \(loop.isLoopThread)")
                            trace.done.open()
                        }
                    }
                }
            }
            trace.note("handler")
            await trace.done.wait()
            return .text(200, trace.steps.withLock { $0.joined(separator: "|") })
        }
        try await withServer({ $0.handlersOnLoops = true; $0.loopCount = 1 }, handler: handler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
            let r = try await c.readResponse(timeout: .seconds(60))
            #expect(r.status == 200)
            #expect(r.text == "handler|job on loop: true|end on loop: true|next round on loop: true|from a thread, on loop: true")
        }
    }

    @Test
    func roundEndWorkAskedOfAStoppedLoopRunsOnThePool() async throws {
        let captured = Mutex<EventLoop?>(nil)
        let handler: HTTPHandler = { request in
            captured.withLock { $0 = request.executor as? EventLoop }
            return .text(200, "ok")
        }
        try await withServer({ $0.handlersOnLoops = true; $0.loopCount = 1 }, handler: handler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await c.readResponse().status == 200)
        }
        let loop = try #require(captured.withLock { $0 })
        let ran = Gate()
        let onLoop = Mutex<Bool?>(nil)
        loop.atRoundEnd {
            onLoop.withLock { $0 = loop.isLoopThread }
            ran.open()
        }
        await ran.wait()
        #expect(onLoop.withLock { $0 } == false)
    }
}
