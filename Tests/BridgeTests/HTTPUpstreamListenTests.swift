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

        let before = try await upstream.tools(timeout: .seconds(60)).map(\.name)
        let changes = Mutex(0)
        upstream.onToolsChanged { changes.withLock { $0 += 1 } }
        _ = try await upstream.callTool("test_trigger_tool_change", arguments: [:], timeout: .seconds(60), progress: nil, input: nil, callerCapabilities: [:])
        let deadline = ContinuousClock.now + .seconds(20)
        while changes.withLock({ $0 }) == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(changes.withLock { $0 } >= 1, "the change was reported")
        let after = try await upstream.tools(timeout: .seconds(60)).map(\.name)
        #expect(after.count == before.count + 1 && after.contains { $0.hasPrefix("dynamic_tool_") }, "\(after)")

        await upstream.stop()
        endpoint.close()
        await http.shutdown()
        await server.shutdown(gracePeriod: .milliseconds(200))
    }
}
