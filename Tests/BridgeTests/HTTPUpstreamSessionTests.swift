import Bridge
import Foundation
import HTTPClient
import HTTPServer
import JSON
import MCPClient
import Synchronization
import Testing

/// A handshake-only Streamable HTTP upstream that loses its sessions (restarted, or it expires
/// them): the next call gets 404, and `HTTPUpstream` initializes a new session and runs the call
/// once — without probing the server's era again (it is cached for the origin).
@Suite("HTTP upstream: lost legacy sessions")
struct HTTPUpstreamSessionTests {
    @Test func aLostSessionIsInitializedAgainAndTheCallRunsOnceWithoutANewProbe() async throws {
        let script = ScriptedLegacyHTTPServer()
        let server = HTTPServer(handler: { script.handle($0) })
        let address = try server.start()[0]
        let http = HTTPClient()
        let upstream = HTTPUpstream(key: UpstreamKey(workspaceID: "default", serverID: "legacy"), url: "http://\(address)/mcp", headers: [], http: http)

        #expect(try await upstream.tools(timeout: .seconds(60)).map(\.name) == ["echo"])
        let first = try await upstream.callTool("echo", arguments: ["text": "one"], timeout: .seconds(60), progress: nil, input: nil, callerCapabilities: [:])
        #expect(first.text == "one")
        #expect(script.methods.first == "server/discover" && script.methods.contains("initialize"), "\(script.methods)")

        script.forget()
        let second = try await upstream.callTool("echo", arguments: ["text": "two"], timeout: .seconds(60), progress: nil, input: nil, callerCapabilities: [:])
        #expect(second.text == "two")
        let methods = script.methods
        #expect(methods.filter { $0 == "initialize" }.count == 2, "\(methods)")
        #expect(methods.filter { $0 == "server/discover" }.count == 1, "the era was probed again: \(methods)")
        #expect(methods.filter { $0 == "tools/call" }.count == 3, "one call that met the 404, and each call once: \(methods)")

        await upstream.stop()
        await http.shutdown()
        await server.shutdown(gracePeriod: .milliseconds(100))
    }

    @Test func aListingThatMeetsALostSessionIsInitializedAgainWithoutANewProbe() async throws {
        let script = ScriptedLegacyHTTPServer()
        let server = HTTPServer(handler: { script.handle($0) })
        let address = try server.start()[0]
        let http = HTTPClient()
        // No catalog caching: every listing asks the server.
        let upstream = HTTPUpstream(key: UpstreamKey(workspaceID: "default", serverID: "legacy"), url: "http://\(address)/mcp", headers: [], http: http,
                                    catalogTTL: .zero)

        #expect(try await upstream.tools(timeout: .seconds(60)).map(\.name) == ["echo"])
        script.forget()
        #expect(try await upstream.tools(timeout: .seconds(60)).map(\.name) == ["echo"])
        let methods = script.methods
        #expect(methods.filter { $0 == "initialize" }.count == 2, "\(methods)")
        #expect(methods.filter { $0 == "server/discover" }.count == 1, "the era was probed again: \(methods)")
        #expect(methods.filter { $0 == "tools/list" }.count == 3, "one listing that met the 404, and each listing once: \(methods)")

        await upstream.stop()
        await http.shutdown()
        await server.shutdown(gracePeriod: .milliseconds(100))
    }
    /// Calls that arrive together before there is a connection share the one being made: a
    /// single probe and handshake, one session (two would leave the first one open, unclosed).
    @Test func firstCallsAtOnceShareOneConnection() async throws {
        let script = ScriptedLegacyHTTPServer()
        let server = HTTPServer(handler: { script.handle($0) })
        let address = try server.start()[0]
        let http = HTTPClient()
        let upstream = HTTPUpstream(key: UpstreamKey(workspaceID: "default", serverID: "legacy"), url: "http://\(address)/mcp", headers: [], http: http)
        let texts = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<8 {
                group.addTask {
                    try await upstream.callTool("echo", arguments: ["text": .string("call \(i)")], timeout: .seconds(60), progress: nil, input: nil,
                                                callerCapabilities: [:]).text
                }
            }
            var all: [String] = []
            for try await text in group { all.append(text) }
            return all.sorted()
        }
        #expect(texts == (0..<8).map { "call \($0)" }.sorted())
        let methods = script.methods
        #expect(methods.filter { $0 == "server/discover" }.count == 1, "\(methods)")
        #expect(methods.filter { $0 == "initialize" }.count == 1, "\(methods)")
        #expect(script.state.withLock { $0.session } == 1, "one session was opened")
        await upstream.stop()
        await http.shutdown()
        await server.shutdown(gracePeriod: .milliseconds(100))
    }
}
