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
/// `HTTPUpstream` opens one when it connects, so the gateway hears of the change at once; and
/// when that stream ends, it drops the catalog and listens again.
@Suite("HTTP upstream: list changes")
struct HTTPUpstreamListenTests {
    /// A scripted 2026 server: one tool named after its list's version (fresh for ten minutes);
    /// the first listen is ended gracefully once `endFirstListen` is set, and the list changes
    /// as it ends; later listens stay open until the client goes away.
    final class EndingListenServer: Sendable {
        struct State {
            var version = 1
            var listens = 0
            var endFirstListen = false
        }
        let state = Mutex(State())

        func handle(_ request: HTTPRequest) -> HTTPResponse {
            guard request.method == "POST", let message = try? JSONParser.parse(request.body), let method = message["method"]?.stringValue else {
                return HTTPResponse(status: 405)
            }
            let id = message["id"] ?? .null
            func answer(_ result: JSONValue) -> HTTPResponse {
                var headers = HTTPHeaders()
                headers.set("Content-Type", "application/json")
                return .json(200, JSONWriter.bytes(["jsonrpc": "2.0", "id": id, "result": result]), headers: headers)
            }
            switch method {
            case "server/discover":
                return answer(["resultType": "complete", "supportedVersions": ["2026-07-28"], "capabilities": ["tools": ["listChanged": true]],
                               "ttlMs": 0, "cacheScope": "public", "_meta": ["io.modelcontextprotocol/serverInfo": ["name": "ending", "version": "1"]]])
            case "tools/list":
                let version = state.withLock { $0.version }
                return answer(["resultType": "complete", "tools": [["name": .string("v\(version)"), "inputSchema": ["type": "object"]]],
                               "ttlMs": 600_000, "cacheScope": "public"])
            case "subscriptions/listen":
                let first = state.withLock { state -> Bool in
                    state.listens += 1
                    return state.listens == 1
                }
                let meta: JSONValue = ["io.modelcontextprotocol/subscriptionId": id]
                return HTTPResponse.eventStream { writer in
                    let ack: JSONValue = ["jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
                                          "params": ["notifications": ["toolsListChanged": true], "_meta": meta]]
                    do {
                        try await writer.write("data: \(String(decoding: JSONWriter.bytes(ack), as: UTF8.self))\n\n")
                        try await writer.flush()
                        while !(first && self.state.withLock({ $0.endFirstListen })) {
                            try await Task.sleep(for: .milliseconds(20))
                            try await writer.write(": ping\n\n")
                        }
                        self.state.withLock { $0.version += 1 }
                        let end: JSONValue = ["jsonrpc": "2.0", "id": id, "result": ["resultType": "complete", "_meta": meta]]
                        try await writer.write("data: \(String(decoding: JSONWriter.bytes(end), as: UTF8.self))\n\n")
                    } catch {
                        return  // the client went away
                    }
                }
            default:
                return HTTPResponse(status: 202)
            }
        }
    }

    @Test func aListenThatEndsIsOpenedAgainAndTheCatalogIsFetchedAgain() async throws {
        let script = EndingListenServer()
        var configuration = HTTPServer.Configuration()
        configuration.loopCount = 1
        configuration.accessLog = false
        let server = HTTPServer(configuration: configuration, handler: { script.handle($0) })
        let address = try server.start()[0]
        let http = HTTPClient()
        let upstream = HTTPUpstream(key: UpstreamKey(workspaceID: "default", serverID: "ending"), url: "http://\(address)/mcp", headers: [], http: http)

        #expect(try await upstream.tools(timeout: .seconds(60)).map(\.name) == ["v1"])
        let changes = Mutex(0)
        upstream.onToolsChanged { changes.withLock { $0 += 1 } }
        script.state.withLock { $0.endFirstListen = true }
        // Polls with a hang guard; the catalog would otherwise stay fresh for ten minutes.
        let deadline = ContinuousClock.now + .seconds(20)
        var names: [String] = []
        while ContinuousClock.now < deadline {
            names = try await upstream.tools(timeout: .seconds(60)).map(\.name)
            if names == ["v2"] && script.state.withLock({ $0.listens }) == 2 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(names == ["v2"], "the catalog was fetched again")
        #expect(script.state.withLock { $0.listens } == 2, "listened again")
        #expect(changes.withLock { $0 } >= 1, "the end was reported as a possible change")

        await upstream.stop()
        await http.shutdown()
        await server.shutdown(gracePeriod: .milliseconds(200))
    }

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
