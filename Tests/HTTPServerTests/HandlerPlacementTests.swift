import Foundation
import HTTPTestSupport
import Testing
@testable import HTTPServer

/// Where handlers run (`handlersOnLoops`): on the loop thread that owns the connection, or on
/// Swift's shared pool. Both must serve the same responses, including a handler that awaits
/// work elsewhere (a detached Task, a sleep) and a streamed body with back-pressure.
@Suite("Handler placement")
struct HandlerPlacementTests {
    static let handler: HTTPHandler = { request in
        let loop = request.executor as? EventLoop
        let onLoop = loop?.isLoopThread ?? false
        // Work elsewhere, then back: the handler must resume and answer.
        let computed = await Task.detached { (1...1000).reduce(0, +) }.value
        try? await Task.sleep(for: .milliseconds(1))
        let stillOnLoop = loop?.isLoopThread ?? false
        if request.path == "/stream" {
            return .stream(status: 200, headers: ["Content-Type": "text/plain"]) { writer in
                for _ in 0..<64 { try? await writer.write(Array(repeating: UInt8(0x61), count: 16 * 1024)) }
            }
        }
        return .text(200, "\(onLoop)|\(stillOnLoop)|\(computed)|\(request.executor != nil)")
    }

    @Test(arguments: [true, false])
    func handlersAnswerTheSameOnTheLoopOrOnThePool(onLoops: Bool) async throws {
        try await withServer({ $0.handlersOnLoops = onLoops; $0.loopCount = 1 }, handler: Self.handler) { _, address in
            let c = try await RawClient.connect(address)
            for _ in 0..<3 {
                try await c.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
                let r = try await c.readResponse()
                let parts = r.text.split(separator: "|").map(String.init)
                #expect(r.status == 200 && parts.count == 4, "\(r.text)")
                #expect(parts[2] == "500500")
                #expect(parts[3] == String(onLoops), "request.executor is set exactly when handlers run on loops")
                #expect(parts[0] == String(onLoops) && parts[1] == String(onLoops), "the handler ran, and resumed, on its loop: \(r.text)")
            }
            // A streamed megabyte with back-pressure (the loop both runs the writer and drains it).
            try await c.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
            let streamed = try await c.readResponse(timeout: .seconds(30))
            #expect(streamed.status == 200 && streamed.body.count == 64 * 16 * 1024)
        }
    }
}

