import Bridge
import Foundation
import HTTPClient
import HTTPServer
import JSON
import MCPClient
import Synchronization
import Testing

/// An HTTP upstream that keeps failing is refused for a while (circuit breaker), reports itself
/// down meanwhile, and is let through once the cooldown has passed.
@Suite("HTTP upstream: breaker and health")
struct HTTPUpstreamBreakerTests {
    @Test func repeatedFailuresOpenTheBreakerAndAnAnswerAfterTheCooldownClosesIt() async throws {
        let script = ScriptedLegacyHTTPServer()
        let server = HTTPServer(handler: { script.handle($0) })
        let address = try server.start()[0]
        let http = HTTPClient()
        let upstream = HTTPUpstream(key: UpstreamKey(workspaceID: "default", serverID: "flaky"), url: "http://\(address)/mcp", headers: [], http: http,
                                    breakerThreshold: 3, breakerCooldown: .milliseconds(300))
        guard case .down(let idle, _) = upstream.health, idle.contains("not used yet") else {
            Issue.record("before any use: \(upstream.health)")
            return
        }
        #expect(try await upstream.callTool("echo", arguments: ["text": "a"], timeout: .seconds(60), progress: nil, input: nil, callerCapabilities: [:]).text == "a")
        #expect(upstream.health.isUp)

        script.state.withLock { $0.broken = true }
        for attempt in 1...3 {
            await #expect(throws: (any Error).self, "attempt \(attempt)") {
                try await upstream.callTool("echo", arguments: ["text": "b"], timeout: .seconds(60), progress: nil, input: nil, callerCapabilities: [:])
            }
            if attempt < 3 {
                guard case .degraded(let reason, _) = upstream.health else { Issue.record("after \(attempt): \(upstream.health)"); continue }
                #expect(reason.hasPrefix("\(attempt) consecutive failure(s); last: "), "\(reason)")
            }
        }
        let requestsBefore = script.methods.count
        do {
            _ = try await upstream.callTool("echo", arguments: ["text": "c"], timeout: .seconds(60), progress: nil, input: nil, callerCapabilities: [:])
            Issue.record("a call went through an open breaker")
        } catch UpstreamError.circuitOpen(let server) {
            #expect(server == "flaky")
        }
        await #expect(throws: UpstreamError.self) { try await upstream.tools(timeout: .seconds(60)) }
        #expect(script.methods.count == requestsBefore, "refused calls never reach the upstream")
        guard case .down(let reason, _) = upstream.health else { Issue.record("open breaker: \(upstream.health)"); return }
        #expect(reason.hasPrefix("circuit open after 3 consecutive failures; last: "), "\(reason)")

        script.state.withLock { $0.broken = false }
        try await Task.sleep(for: .milliseconds(400))
        #expect(try await upstream.callTool("echo", arguments: ["text": "d"], timeout: .seconds(60), progress: nil, input: nil, callerCapabilities: [:]).text == "d")
        #expect(upstream.health.isUp, "\(upstream.health)")

        await upstream.stop()
        await http.shutdown()
        await server.shutdown(gracePeriod: .milliseconds(100))
    }
}
