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
