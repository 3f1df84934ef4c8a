import Foundation
import HTTPTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `stdio --agent A` admits a key in `$AGENTBRIDGE_KEY` as `/mcp/agents/A` does: a key that is
/// not valid, lacks `mcp:tools`, or may not use A is refused before anything is served; without a
/// key the process acts as the local user.
@Suite("Gateway: stdio --agent and $AGENTBRIDGE_KEY")
struct StdioGatewayKeyTests {
    static let list = #"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#

    @Test func onlyAKeyThatMayUseTheAgentIsServed() async throws {
        let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stdio-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("agentbridge.sqlite").path
        let applied = await Interop.run(binary, ["--db", db, "apply", Interop.repoRoot.appendingPathComponent("Manifests").path], timeout: 60)
        #expect(applied.status == 0, "\(applied.output)")
        func key(_ name: String, _ extra: [String]) async throws -> String {
            let created = await Interop.run(binary, ["--db", db, "--json", "keys", "create", "--name", name] + extra, timeout: 30)
            let object = try JSONSerialization.jsonObject(with: Data(created.output.utf8)) as? [String: Any]
            return try #require(object?["secret"] as? String, "\(created.output)")
        }
        let allowed = try await key("all", ["--scope", "mcp:tools"])
        let otherAgent = try await key("clock-only", ["--scope", "mcp:tools", "--agent", "clock"])
        let weak = try await key("weak", ["--scope", "agents:read"])
        let revoked = try await key("revoked", ["--scope", "mcp:tools"])
        let keys = await Interop.run(binary, ["--db", db, "--json", "keys", "list"], timeout: 30)
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(keys.output.utf8)) as? [[String: Any]], "\(keys.output)")
        let revokedID = try #require(listed.first { $0["name"] as? String == "revoked" }?["id"] as? String)
        #expect(await Interop.run(binary, ["--db", db, "keys", "revoke", revokedID], timeout: 30).status == 0)

        func serve(_ key: String?) async -> RunResult {
            let variable = key.map { "AGENTBRIDGE_KEY='\($0)' " } ?? ""
            return await Interop.run("/bin/sh", ["-c", "printf '%s\\n' '\(Self.list)' | \(variable)'\(binary)' --db '\(db)' stdio --agent assistant"],
                                     timeout: 60)
        }
        for (key, served) in [(allowed, true), (nil, true)] as [(String?, Bool)] {
            let result = await serve(key)
            #expect(result.status == 0 && result.output.contains("reference__echo") == served, "\(result.output)")
        }
        for (key, refusal) in [
            (otherAgent, #"agent "assistant" not found"#),
            (weak, "lacks the mcp:tools scope"),
            (revoked, "is not a valid, unexpired and unrevoked API key"),
            ("ab_not_a_key", "is not a valid, unexpired and unrevoked API key"),
        ] {
            let result = await serve(key)
            #expect(result.status != 0, "\(result.output)")
            #expect(result.output.contains(refusal), "\(result.output)")
            #expect(!result.output.contains("reference__echo"), "nothing is served: \(result.output)")
            #expect(!result.output.contains(key), "the key is not echoed")
        }
    }

    /// A key revoked while a stdio process serves as it ends that process, as the next HTTP
    /// request with the key would be refused: within `--key-check` seconds it stops its upstreams
    /// and exits with status 77, saying why on stderr (without the key).
    @Test(arguments: [["--agent", "assistant"], []])
    func aKeyRevokedWhileServingStopsTheProcess(surface: [String]) async throws {
        let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stdio-revoke-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("agentbridge.sqlite").path
        let applied = await Interop.run(binary, ["--db", db, "apply", Interop.repoRoot.appendingPathComponent("Manifests").path], timeout: 60)
        #expect(applied.status == 0, "\(applied.output)")
        let created = await Interop.run(binary, ["--db", db, "--json", "keys", "create", "--name", "desktop", "--scope", "mcp:tools"], timeout: 30)
        let object = try JSONSerialization.jsonObject(with: Data(created.output.utf8)) as? [String: Any]
        let secret = try #require(object?["secret"] as? String, "\(created.output)")
        let keyID = try #require((object?["key"] as? [String: Any])?["id"] as? String, "\(created.output)")

        let stderrURL = dir.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stderr = try FileHandle(forWritingTo: stderrURL)
        defer { try? stderr.close() }
        let input = Pipe(), output = Pipe()
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Interop.scripts.appendingPathComponent("subreaper.py").path, "--", binary, "--db", db, "stdio", "--key-check", "1"] + surface
        var environment = ProcessInfo.processInfo.environment
        environment["AGENTBRIDGE_KEY"] = secret
        process.environment = environment
        process.standardInput = input
        process.standardOutput = output
        process.standardError = stderr
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        input.fileHandleForWriting.write(Data((Self.list + "\n").utf8))
        let answer = await StdioGatewaySignalTests.firstLine(of: output.fileHandleForReading, timeout: 60)
        #expect(answer.contains(#""tools":["#), "served before the revocation: \(answer)\n\(StdioGatewaySignalTests.text(stderrURL))")

        let revoked = await Interop.run(binary, ["--db", db, "keys", "revoke", keyID], timeout: 30)
        #expect(revoked.status == 0, "\(revoked.output)")
        let deadline = Date().addingTimeInterval(60)  // a hang guard; the check runs every second
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        #expect(!process.isRunning, "still serving 60 s after its key was revoked")
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        let log = StdioGatewaySignalTests.text(stderrURL)
        #expect(process.terminationStatus == 77, "\(log)")
        #expect(log.contains("is no longer valid (revoked, expired or deleted)"), "\(log)")
        #expect(!log.contains(secret), "the key is not echoed")
        #expect(!log.contains("orphaned:"), "an upstream outlived the process: \(log)")
    }
}
