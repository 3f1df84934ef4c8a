import Bridge
import Foundation
import MCPClient
import Supervision
import Testing

/// An upstream's tool catalog is cached for our TTL, or for less when the 2026 server's `ttlMs`
/// says so (0: every listing asks again). A real child process: a 2026 server in Python whose
/// tool list names how many times it was asked.
@Suite("Upstream catalog freshness")
struct CatalogFreshnessTests {
    static let server = #"""
    import json, sys
    ttl = int(sys.argv[1]); listed = 0
    for line in sys.stdin:
        message = json.loads(line)
        if "id" not in message:
            continue
        method = message.get("method")
        if method == "server/discover":
            result = {"resultType": "complete", "supportedVersions": ["2026-07-28"], "capabilities": {"tools": {"listChanged": False}},
                      "ttlMs": 0, "cacheScope": "public", "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "ttl", "version": "1"}}}
        elif method == "tools/list":
            listed += 1
            result = {"resultType": "complete", "tools": [{"name": f"listed_{listed}", "inputSchema": {"type": "object"}}],
                      "ttlMs": ttl, "cacheScope": "public"}
        else:
            print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "not here"}}), flush=True)
            continue
        print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}), flush=True)
    """#

    /// Bounds a hang only: at the start of a full run the test process can be starved for 20 s.
    static var patient: UpstreamConnection.Options {
        var options = UpstreamConnection.Options()
        options.connectTimeout = .seconds(60)
        return options
    }

    func upstream(ttlMs: Int, in directory: URL) throws -> UpstreamConnection {
        let script = directory.appendingPathComponent("server.py").path
        try Self.server.write(toFile: script, atomically: false, encoding: .utf8)
        let environment = ChildProcess.minimalEnvironment(from: ProcessInfo.processInfo.environment, extra: [])
        return UpstreamConnection(
            key: UpstreamKey(workspaceID: "default", serverID: "ttl"),
            launch: LaunchSpec(command: "python3", arguments: [script, String(ttlMs)], environment: environment), options: Self.patient)
    }

    func withDirectory(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("freshness-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }

    @Test func aCatalogTheServerCallsStaleAtOnceIsListedAgainEachTime() async throws {
        try await withDirectory { directory in
            let upstream = try upstream(ttlMs: 0, in: directory)
            // The start lists once (listed_1); each listing after it asks again.
            #expect(try await upstream.tools(timeout: .seconds(60)).map(\.name) == ["listed_2"])
            #expect(try await upstream.tools(timeout: .seconds(60)).map(\.name) == ["listed_3"])
            #expect(upstream.cachedToolNames == ["listed_3"], "calls route by the last list")
            await upstream.stop()
        }
    }

    @Test func aCatalogWithALongTTLIsServedFromTheCache() async throws {
        try await withDirectory { directory in
            let upstream = try upstream(ttlMs: 600_000, in: directory)
            let first = try await upstream.tools(timeout: .seconds(60)).map(\.name)
            let second = try await upstream.tools(timeout: .seconds(60)).map(\.name)
            #expect(first == ["listed_1"] && second == ["listed_1"], "\(first) \(second)")
            await upstream.stop()
        }
    }
}
