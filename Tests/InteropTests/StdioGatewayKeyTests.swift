import Foundation
import Testing

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
}
