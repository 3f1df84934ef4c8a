import Bridge
import Foundation
import JSON
import Platform
import Storage
import Supervision
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A stdio upstream's environment credentials are read again at every (re)start: after a
/// rotation, the next process gets the new value (a running process keeps its environment).
@Suite("Stdio upstream: credentials at every start")
struct StdioCredentialRotationTests {
    /// A handshake-only server whose `whoami` tool answers with `$TOKEN`.
    static let server = #"""
    import json, os, sys
    for line in sys.stdin:
        message = json.loads(line)
        if "id" not in message:
            continue
        method = message.get("method")
        if method == "initialize":
            result = {"protocolVersion": "2025-06-18", "capabilities": {"tools": {}}, "serverInfo": {"name": "whoami", "version": "1"}}
        elif method == "tools/list":
            result = {"tools": [{"name": "whoami", "inputSchema": {"type": "object"}}]}
        elif method == "tools/call":
            result = {"content": [{"type": "text", "text": os.environ.get("TOKEN", "")}]}
        else:
            print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "no"}}), flush=True)
            continue
        print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}), flush=True)
    """#

    @Test func aRotatedCredentialReachesTheNextProcess() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rotate-stdio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("server.py").path
        try Self.server.write(toFile: script, atomically: false, encoding: .utf8)
        let database = try PlatformSchema.open(path: directory.appendingPathComponent("db.sqlite").path)
        let vault = try CredentialStore(database: database, masterKey: [UInt8](repeating: 5, count: 32))
        let admin = Caller.local(.cli)
        _ = try vault.set(caller: admin, name: "token", secret: "first-value")
        let server = try UpstreamServerStore(database: database).create(
            caller: admin, id: "whoami",
            spec: try UpstreamServerSpec.parse(["transport": "stdio", "command": "python3", "args": [.string(script)], "env": ["TOKEN": "${credential:token}"], "startup_timeout_s": 45]))
        let binding = try BindingSpec.parse(["server": "whoami", "allowed_tools": ["*"]])
        var options = UpstreamConnection.Options()
        options.restartPolicy = RestartPolicy(initialDelay: .milliseconds(10), maxDelay: .milliseconds(50))
        let registry = UpstreamRegistry(vault: vault, environment: ProcessInfo.processInfo.environment, options: options)
        let upstream = try #require(try registry.upstream(for: server, binding: binding, agentID: "a") as? UpstreamConnection)

        #expect(upstream.options.connectTimeout == .seconds(45), "the server's startup_timeout_s is its start budget, whatever the registry's default")

        func whoami() async throws -> String? {
            try await upstream.callTool("whoami", arguments: [:], timeout: .seconds(60)).text
        }
        #expect(try await whoami() == "first-value")
        _ = try vault.set(caller: admin, name: "token", secret: "second-value")
        #expect(try await whoami() == "first-value", "a running process keeps its environment")

        let first = try #require(upstream.childPID)
        kill(first, SIGKILL)
        var seen: String?
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if upstream.childPID != nil, upstream.childPID != first, let text = try? await whoami() {
                seen = text
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(seen == "second-value")
        await registry.stopAll()
    }
}
