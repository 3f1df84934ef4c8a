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

    /// A caller that joins a connection another caller is making waits under its own timeout
    /// and leaves when its task is cancelled; the connection goes on for the first caller.
    @Test func aCallerWaitingForAConnectionLeavesAtItsOwnTimeoutOrCancellation() async throws {
        try await withHeldHandshake { script, upstream in
            func call(_ text: String, _ timeout: Duration) async throws -> String {
                try await upstream.callTool("echo", arguments: ["text": .string(text)], timeout: timeout, progress: nil, input: nil, callerCapabilities: [:]).text
            }
            let first = Task { try await call("first", .seconds(60)) }
            #expect(await eventually { script.state.withLock { $0.initializeArrivals } == 1 }, "the first call is connecting")

            let short = Task { try await call("short", .milliseconds(300)) }
            let cancelled = Task { try await call("cancelled", .seconds(60)) }
            try await Task.sleep(for: .milliseconds(50))
            cancelled.cancel()
            // Each ends while the handshake is still held (the hang guard releases it regardless).
            let ended = Outcomes()
            for (name, task) in [("short", short), ("cancelled", cancelled)] {
                Task {
                    let outcome: String
                    do { outcome = "answered: \(try await task.value)" } catch { outcome = "\(error)" }
                    ended.record(name, outcome + (script.state.withLock { $0.holdInitialize } ? " (while held)" : ""))
                }
            }
            #expect(await eventually(30) { ended.all.count == 2 })
            script.state.withLock { $0.holdInitialize = false }
            let outcomes = ended.all
            #expect(outcomes["short"]?.hasSuffix("did not answer within 0.3 seconds (while held)") == true, "\(outcomes)")
            #expect(outcomes["cancelled"] == "CancellationError() (while held)", "\(outcomes)")
            #expect(try await first.value == "first")
            #expect(script.state.withLock { $0.session } == 1, "one session")
        }
    }

    /// `stop()` while a connection is being made: the connection that completes afterwards is
    /// closed (its session deleted) rather than kept where nothing would ever close it, and the
    /// upstream connects afresh on its next use.
    @Test func stopWhileConnectingClosesTheConnectionItWasMaking() async throws {
        try await withHeldHandshake { script, upstream in
            let call = Task {
                try await upstream.callTool("echo", arguments: ["text": "before"], timeout: .seconds(60), progress: nil, input: nil, callerCapabilities: [:]).text
            }
            #expect(await eventually { script.state.withLock { $0.initializeArrivals } == 1 })
            await upstream.stop()
            script.state.withLock { $0.holdInitialize = false }
            do {
                _ = try await call.value
                Issue.record("the call made before stop() succeeded")
            } catch {
                #expect("\(error)".contains("stopped while connecting"), "\(error)")
            }
            #expect(await eventually { script.methods.contains("DELETE s1") }, "the session made after stop() was left open: \(script.methods)")

            let again = try await upstream.callTool("echo", arguments: ["text": "after"], timeout: .seconds(60), progress: nil, input: nil, callerCapabilities: [:])
            #expect(again.text == "after")
            #expect(script.state.withLock { $0.session } == 2)
        }
    }
}

extension HTTPUpstreamSessionTests {
    /// Runs `body` against an upstream whose server holds `initialize` (`holdInitialize`, set
    /// at the start) until the test clears it; shuts everything down afterwards.
    func withHeldHandshake(_ body: (ScriptedLegacyHTTPServer, HTTPUpstream) async throws -> Void) async throws {
        let script = ScriptedLegacyHTTPServer()
        script.state.withLock { $0.holdInitialize = true }
        let server = HTTPServer(handler: { await script.handleHeld($0) })
        let address = try server.start()[0]
        let http = HTTPClient()
        let upstream = HTTPUpstream(key: UpstreamKey(workspaceID: "default", serverID: "slow"), url: "http://\(address)/mcp", headers: [], http: http)
        let outcome: Result<Void, any Error>
        do { try await body(script, upstream); outcome = .success(()) } catch { outcome = .failure(error) }
        script.state.withLock { $0.holdInitialize = false }
        await upstream.stop()
        await http.shutdown()
        await server.shutdown(gracePeriod: .milliseconds(100))
        try outcome.get()
    }
}

/// What each of several tasks ended with, by name.
private final class Outcomes: Sendable {
    private let byName = Mutex<[String: String]>([:])
    func record(_ name: String, _ outcome: String) { byName.withLock { $0[name] = outcome } }
    var all: [String: String] { byName.withLock { $0 } }
}
