import Foundation
import Testing

/// `agentbridge connect URL`, the stdio ↔ Streamable HTTP bridge for stdio-only desktop clients:
/// the official SDK 2.3.0 client's whole fixture suite (auto mode → 2026 era, and legacy mode →
/// a handshake session) runs over stdio through `connect` to a token-protected `agentbridge
/// serve`; the key comes from `AGENTBRIDGE_KEY` (never argv) and appears in no log.
@Suite("agentbridge connect (stdio ↔ Streamable HTTP)", .serialized)
struct ConnectInteropTests {
    @Test(arguments: ["client_auto.py", "client_legacy.py"])
    func theSDKSuitePassesThroughConnect(script: String) async throws {
        try await Interop.ensureVenvs()
        let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        let token = "connect-" + UUID().uuidString
        let server = try await HTTPServerProcess.start(["--token", token, "--manifests", "none"])
        let result = await Interop.run(
            Interop.modernPython,
            [Interop.scripts.appendingPathComponent(script).path, "--", "/usr/bin/env", "AGENTBRIDGE_KEY=\(token)", binary, "connect", server.url],
            timeout: 240)
        let stopped = await server.stop()
        Interop.expectSuccess(result, "\(script) through agentbridge connect")
        #expect(result.output.contains("checks passed"))
        #expect(stopped.status == 0, "\(server.log)")
        #expect(!server.log.contains(token), "the key appeared in the server log")
    }

    /// `printf '…' | agentbridge connect URL`: stdin ends right after the requests, and their
    /// answers still come (within `--grace`); a line that is not JSON gets the parse error.
    @Test func requestsWrittenJustBeforeStdinEndsAreStillAnswered() async throws {
        let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        let token = "connect-" + UUID().uuidString
        let server = try await HTTPServerProcess.start(["--token", token, "--manifests", "none"])
        let meta = #""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#
        let lines = [
            "not json",
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow_operation","arguments":{"steps":3,"step_ms":300},\#(meta)}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"still here"},\#(meta)}}"#,
        ]
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("connect-\(UUID().uuidString).jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }
        let answered = await Interop.run("/bin/sh", ["-c", "AGENTBRIDGE_KEY='\(token)' '\(binary)' connect '\(server.url)' < '\(input.path)'"], timeout: 60)
        // With no grace the slow call is abandoned when stdin ends (the session closes at once).
        let abandoned = await Interop.run("/bin/sh", ["-c", "AGENTBRIDGE_KEY='\(token)' '\(binary)' connect --grace 0 '\(server.url)' < '\(input.path)'"],
                                          timeout: 60)
        let stopped = await server.stop()
        #expect(answered.status == 0, "\(answered.output)")
        #expect(answered.output.contains(#""id":null,"error":{"code":-32700"#), "\(answered.output)")
        #expect(answered.output.contains(#""id":1,"result""#), "the slow call's answer: \(answered.output)")
        #expect(answered.output.contains("still here"), "\(answered.output)")
        #expect(abandoned.status == 0, "\(abandoned.output)")
        #expect(!abandoned.output.contains(#""id":1,"result""#), "\(abandoned.output)")
        #expect(stopped.status == 0, "\(server.log)")
    }

    @Test func withoutTheKeyTheServerRefusesAndTheClientSeesWhy() async throws {
        try await Interop.ensureVenvs()
        let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        let server = try await HTTPServerProcess.start(["--token", "right-" + UUID().uuidString, "--manifests", "none"])
        let result = await Interop.run(
            Interop.modernPython,
            [Interop.scripts.appendingPathComponent("client_auto.py").path, "--", binary, "connect", server.url],
            timeout: 120)
        await server.stop()
        #expect(result.status != 0)
        #expect(result.output.contains("401"), "\(Interop.tail(result.output, lines: 20))")
    }
}
