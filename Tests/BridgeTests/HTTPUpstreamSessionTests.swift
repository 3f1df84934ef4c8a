import Bridge
import Foundation
import HTTPClient
import HTTPServer
import JSON
import MCPClient
import MCPHTTP
import ReferenceServer
import Synchronization
import Testing

/// A handshake-only Streamable HTTP upstream that loses its sessions (restarted, or it expires
/// them): the next call gets 404, and `HTTPUpstream` initializes a new session and runs the call
/// once — without probing the server's era again (it is cached for the origin).
@Suite("HTTP upstream: lost legacy sessions")
struct HTTPUpstreamSessionTests {
    /// A scripted 2025-06-18 server: sessions `s1`, `s2`, …; `forget()` ends them all.
    final class LegacyServer: Sendable {
        struct State {
            var session = 0
            var live: Set<String> = []
            var methods: [String] = []
            /// Every request gets a 500 while set.
            var broken = false
        }
        let state = Mutex(State())

        func forget() { state.withLock { $0.live.removeAll() } }
        var methods: [String] { state.withLock { $0.methods } }

        func handle(_ request: HTTPRequest) -> HTTPResponse {
            if state.withLock({ $0.broken }) { return HTTPResponse(status: 500) }
            guard request.method == "POST" else { return HTTPResponse(status: 405) }
            guard let message = try? JSONParser.parse(request.body), let method = message["method"]?.stringValue else {
                return HTTPResponse(status: 400)
            }
            let session = request.headers.only("mcp-session-id")
            let known = state.withLock { s -> Bool in
                s.methods.append(method)
                return session.map { s.live.contains($0) } ?? false
            }
            var headers = HTTPHeaders()
            headers.set("Content-Type", "application/json")
            let id = message["id"] ?? .null
            func answer(_ result: JSONValue) -> HTTPResponse {
                .json(200, JSONWriter.bytes(["jsonrpc": "2.0", "id": id, "result": result]), headers: headers)
            }
            if method == "initialize" {
                let name = state.withLock { s -> String in
                    s.session += 1
                    s.live.insert("s\(s.session)")
                    return "s\(s.session)"
                }
                headers.set("Mcp-Session-Id", name)
                return answer(["protocolVersion": "2025-06-18", "capabilities": ["tools": [:]], "serverInfo": ["name": "legacy", "version": "1"]])
            }
            guard session != nil else {
                // What the Python SDK's legacy transport answers a request without a session.
                return .json(400, JSONWriter.bytes(["jsonrpc": "2.0", "id": id, "error": ["code": -32600, "message": "Bad Request: Missing session ID"]]), headers: headers)
            }
            guard known else { return HTTPResponse(status: 404) }
            switch method {
            case "notifications/initialized": return HTTPResponse(status: 202)
            case "tools/list": return answer(["tools": [["name": "echo", "inputSchema": ["type": "object"]]]])
            case "tools/call": return answer(["content": [["type": "text", "text": message["params"]?["arguments"]?["text"] ?? ""]]])
            default: return .json(200, JSONWriter.bytes(["jsonrpc": "2.0", "id": id, "error": ["code": -32601, "message": "no"]]), headers: headers)
            }
        }
    }

    @Test func aLostSessionIsInitializedAgainAndTheCallRunsOnceWithoutANewProbe() async throws {
        let script = LegacyServer()
        let server = HTTPServer(handler: { script.handle($0) })
        let address = try server.start()[0]
        let http = HTTPClient()
        let upstream = HTTPUpstream(key: UpstreamKey(workspaceID: "default", serverID: "legacy"), url: "http://\(address)/mcp", headers: [], http: http)

        #expect(try await upstream.tools(timeout: .seconds(20)).map(\.name) == ["echo"])
        let first = try await upstream.callTool("echo", arguments: ["text": "one"], timeout: .seconds(20), progress: nil, input: nil, callerCapabilities: [:])
        #expect(first.text == "one")
        #expect(script.methods.first == "server/discover" && script.methods.contains("initialize"), "\(script.methods)")

        script.forget()
        let second = try await upstream.callTool("echo", arguments: ["text": "two"], timeout: .seconds(20), progress: nil, input: nil, callerCapabilities: [:])
        #expect(second.text == "two")
        let methods = script.methods
        #expect(methods.filter { $0 == "initialize" }.count == 2, "\(methods)")
        #expect(methods.filter { $0 == "server/discover" }.count == 1, "the era was probed again: \(methods)")
        #expect(methods.filter { $0 == "tools/call" }.count == 3, "one call that met the 404, and each call once: \(methods)")

        await upstream.stop()
        await http.shutdown()
        await server.shutdown(gracePeriod: .milliseconds(100))
    }
}

/// An HTTP upstream that keeps failing is refused for a while (circuit breaker), reports itself
/// down meanwhile, and is let through once the cooldown has passed.
@Suite("HTTP upstream: breaker and health")
struct HTTPUpstreamBreakerTests {
    @Test func repeatedFailuresOpenTheBreakerAndAnAnswerAfterTheCooldownClosesIt() async throws {
        let script = HTTPUpstreamSessionTests.LegacyServer()
        let server = HTTPServer(handler: { script.handle($0) })
        let address = try server.start()[0]
        let http = HTTPClient()
        let upstream = HTTPUpstream(key: UpstreamKey(workspaceID: "default", serverID: "flaky"), url: "http://\(address)/mcp", headers: [], http: http,
                                    breakerThreshold: 3, breakerCooldown: .milliseconds(300))
        guard case .down(let idle, _) = upstream.health, idle.contains("not used yet") else {
            Issue.record("before any use: \(upstream.health)")
            return
        }
        #expect(try await upstream.callTool("echo", arguments: ["text": "a"], timeout: .seconds(20), progress: nil, input: nil, callerCapabilities: [:]).text == "a")
        #expect(upstream.health.isUp)

        script.state.withLock { $0.broken = true }
        for attempt in 1...3 {
            await #expect(throws: (any Error).self, "attempt \(attempt)") {
                try await upstream.callTool("echo", arguments: ["text": "b"], timeout: .seconds(20), progress: nil, input: nil, callerCapabilities: [:])
            }
            if attempt < 3 {
                guard case .degraded(let reason) = upstream.health else { Issue.record("after \(attempt): \(upstream.health)"); continue }
                #expect(reason.hasPrefix("\(attempt) consecutive failure(s); last: "), "\(reason)")
            }
        }
        let requestsBefore = script.methods.count
        do {
            _ = try await upstream.callTool("echo", arguments: ["text": "c"], timeout: .seconds(20), progress: nil, input: nil, callerCapabilities: [:])
            Issue.record("a call went through an open breaker")
        } catch UpstreamError.circuitOpen(let server) {
            #expect(server == "flaky")
        }
        await #expect(throws: UpstreamError.self) { try await upstream.tools(timeout: .seconds(20)) }
        #expect(script.methods.count == requestsBefore, "refused calls never reach the upstream")
        guard case .down(let reason, _) = upstream.health else { Issue.record("open breaker: \(upstream.health)"); return }
        #expect(reason.hasPrefix("circuit open after 3 consecutive failures; last: "), "\(reason)")

        script.state.withLock { $0.broken = false }
        try await Task.sleep(for: .milliseconds(400))
        #expect(try await upstream.callTool("echo", arguments: ["text": "d"], timeout: .seconds(20), progress: nil, input: nil, callerCapabilities: [:]).text == "d")
        #expect(upstream.health.isUp, "\(upstream.health)")

        await upstream.stop()
        await http.shutdown()
        await server.shutdown(gracePeriod: .milliseconds(100))
    }
}

/// A 2026 HTTP upstream announces list changes only on a `subscriptions/listen` stream:
/// `HTTPUpstream` opens one when it connects, so the gateway hears of the change at once.
@Suite("HTTP upstream: list changes")
struct HTTPUpstreamListenTests {
    @Test func aToolListChangeOfA2026HTTPUpstreamArrivesThroughListen() async throws {
        var configuration = MCPHTTPEndpoint.Configuration()
        configuration.sseAfter = .seconds(30)
        let endpoint = MCPHTTPEndpoint(server: ReferenceServer.make(version: "test", configuration: .init(benchmarkTools: 3)), configuration: configuration)
        let router = HTTPRouter()
        endpoint.install(on: router)
        var httpConfiguration = HTTPServer.Configuration()
        httpConfiguration.loopCount = 1
        httpConfiguration.accessLog = false
        let server = HTTPServer(configuration: httpConfiguration, handler: router.handler)
        let address = try server.start()[0]
        let http = HTTPClient()
        let upstream = HTTPUpstream(key: UpstreamKey(workspaceID: "default", serverID: "ref"), url: "http://\(address)/mcp", headers: [], http: http)

        let before = try await upstream.tools(timeout: .seconds(20)).map(\.name)
        let changes = Mutex(0)
        upstream.onToolsChanged { changes.withLock { $0 += 1 } }
        _ = try await upstream.callTool("test_trigger_tool_change", arguments: [:], timeout: .seconds(20), progress: nil, input: nil, callerCapabilities: [:])
        let deadline = ContinuousClock.now + .seconds(20)
        while changes.withLock({ $0 }) == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(changes.withLock { $0 } >= 1, "the change was reported")
        let after = try await upstream.tools(timeout: .seconds(20)).map(\.name)
        #expect(after.count == before.count + 1 && after.contains { $0.hasPrefix("dynamic_tool_") }, "\(after)")

        await upstream.stop()
        endpoint.close()
        await http.shutdown()
        await server.shutdown(gracePeriod: .milliseconds(200))
    }
}
