import Foundation
import HTTPServer
import HTTPTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Real FastMCP servers as HTTP upstreams of `/mcp/agents/{id}`: fastmcp 4.1.6 from PyPI over
/// Streamable HTTP, and the official SDK 1.x's FastMCP (handshake era only) over Streamable HTTP
/// and the 2024-11-05 HTTP+SSE transport. Each time the allowed tool is listed and called, a
/// guessed one is an unknown tool and never runs, and the upstream receives exactly the
/// configured headers — the server's credential header and the binding's override — and nothing
/// of the caller's (its API key above all).
@Suite("Gateway: FastMCP upstreams over HTTP", .serialized)
struct FastMCPUpstreamTests {
    /// Whether something accepts connections on `port` within `seconds`.
    static func listening(_ port: Int, within seconds: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let address = SocketAddress(parsing: "127.0.0.1:\(port)"), (try? await RawClient.connect(address)) != nil {
                return true  // the client closes its socket when released
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// `fastmcp-http`: fastmcp 4.1.6; `sdk1-http`, `sdk1-sse`: the SDK 1.x FastMCP.
    @Test(arguments: ["fastmcp-http", "sdk1-http", "sdk1-sse"])
    func aFastMCPUpstreamGetsOnlyItsConfiguredHeadersAndOnlyItsAllowedTool(upstreamKind: String) async throws {
        let sse = upstreamKind.hasSuffix("-sse")
        try await Interop.ensureVenvs()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fastmcp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = try TestBinaries.freePort()
        let headersLog = dir.appendingPathComponent("headers.jsonl").path, resetMark = dir.appendingPathComponent("reset").path
        let upstream = TestProcess()
        upstream.executableURL = URL(fileURLWithPath: upstreamKind.hasPrefix("sdk1") ? Interop.legacyPython : Interop.modernPython)
        upstream.arguments = [Interop.scripts.appendingPathComponent("fastmcp_upstream.py").path, "--transport", sse ? "sse" : "http",
                              "--port", String(port), "--headers-log", headersLog, "--reset-mark", resetMark]
        upstream.standardInput = FileHandle.nullDevice
        upstream.standardOutput = FileHandle.nullDevice
        upstream.standardError = FileHandle.nullDevice
        try upstream.run()
        defer {
            // SIGKILL: test processes inherit a mask that blocks SIGTERM.
            kill(upstream.processIdentifier, SIGKILL)
            upstream.waitUntilExit()
        }
        #expect(await Self.listening(port, within: 60), "the FastMCP upstream did not start")

        let apiKey = "fast-" + UUID().uuidString
        let target = try await HostileClientTests.Target.start { binary, db in
            let manifest = dir.appendingPathComponent("fast.json").path
            try #"""
                {"upstream_servers": {"fast": {"transport": "\#(sse ? "sse" : "http")", "url": "http://127.0.0.1:\#(port)/\#(sse ? "sse" : "mcp")",
                                                "headers": {"X-Api-Key": "${credential:fastkey}"}}},
                 "credentials": {"fastkey": {"kind": "api_key", "from_env": "FAST_KEY"}},
                 "agents": {"fast": {"name": "Fast", "instructions": "i", "model": "scripted/x", "visibility": "exposed",
                                     "bindings": [{"server": "fast", "allowed_tools": ["echo"], "override_headers": {"X-Trace": "gateway"}}]}}}
                """#.write(toFile: manifest, atomically: true, encoding: .utf8)
            let applied = await Interop.run("/usr/bin/env", ["FAST_KEY=\(apiKey)", binary, "--db", db, "apply", manifest], timeout: 60)
            #expect(applied.status == 0, "\(applied.output)")
        }

        let listed = try await target.exchange(target.request("tools/list", path: "/mcp/agents/fast"))
        let tools = (HostileClientTests.json(listed)?["result"] as? [String: Any])?["tools"] as? [[String: Any]] ?? []
        #expect(tools.compactMap { $0["name"] as? String } == ["fast__echo"], "\(listed.text)")
        let called = try await target.exchange(target.request(
            "tools/call", #"{"name":"fast__echo","arguments":{"text":"through the gateway"}}"#, name: "fast__echo", path: "/mcp/agents/fast"))
        #expect(called.text.contains("through the gateway") && !called.text.contains("\"isError\":true"), "\(called.text)")
        let guessed = try await target.exchange(target.request(
            "tools/call", #"{"name":"fast__admin_reset","arguments":{}}"#, name: "fast__admin_reset", path: "/mcp/agents/fast"))
        #expect(HostileClientTests.errorCode(guessed) == -32602, "\(guessed.text)")
        #expect(!FileManager.default.fileExists(atPath: resetMark), "the guessed tool ran upstream")

        // What the upstream received, request by request.
        let lines = (try? String(contentsOfFile: headersLog, encoding: .utf8))?.split(separator: "\n") ?? []
        let requests = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(requests.count >= 2, "\(lines)")
        let expected: Set<String> = [
            "host", "content-type", "content-length", "accept", "x-api-key", "x-trace",
            "mcp-protocol-version", "mcp-session-id", "mcp-method", "mcp-name", "last-event-id",
        ]
        for request in requests {
            let headers = request["headers"] as? [String: [String]] ?? [:]
            #expect(Set(headers.keys).isSubset(of: expected), "unexpected headers: \(Set(headers.keys).subtracting(expected))")
            #expect(headers["x-api-key"] == [apiKey] && headers["x-trace"] == ["gateway"], "\(headers)")
            #expect(!headers.values.joined().contains { $0.contains(target.key) }, "the caller's key reached the upstream")
        }
        try await target.finish()
    }
}
