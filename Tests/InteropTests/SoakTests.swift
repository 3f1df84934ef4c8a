import Foundation
import Testing

/// A bounded soak of `agentbridge serve` (see `python/soak.py`): 2026 and handshake-era HTTP
/// clients through the gateway, runs through `/mcp`, a stdio gateway, and the upstream killed
/// every 20 s; zero protocol errors, flat RSS, no leaked descriptors, no orphaned upstreams.
/// 30 s here; `AGENTBRIDGE_SOAK_SECONDS=600` for the 10-minute soak by hand.
@Suite("Soak", .serialized)
struct SoakTests {
    @Test func mixedClientsWithUpstreamRestartsStayHealthy() async throws {
        try await Interop.ensureVenvs()
        let seconds = ProcessInfo.processInfo.environment["AGENTBRIDGE_SOAK_SECONDS"].flatMap(Int.init) ?? 30
        let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("soak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("agentbridge.sqlite").path
        let applied = await Interop.run(binary, ["--db", db, "apply", Interop.repoRoot.appendingPathComponent("Manifests").path], timeout: 60)
        #expect(applied.status == 0, "\(applied.output)")
        let created = await Interop.run(binary, ["--db", db, "--json", "keys", "create", "--name", "soak", "--scope", "admin"], timeout: 30)
        let object = try JSONSerialization.jsonObject(with: Data(created.output.utf8)) as? [String: Any]
        let key = try #require(object?["secret"] as? String, "\(created.output)")
        let venvBin = Interop.repoRoot.appendingPathComponent(".venv-interop/bin").path
        let path = venvBin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = await Interop.run(
            "/usr/bin/env",
            ["PATH=\(path)", Interop.modernPython, Interop.scripts.appendingPathComponent("soak.py").path,
             "--agentbridge", binary, "--db", db, "--key", key, "--seconds", String(seconds)],
            timeout: Double(seconds) + 120)
        Interop.expectSuccess(result, "soak.py (\(seconds) s)")
        #expect(result.output.contains("ok   no orphaned upstream processes after shutdown"))
    }
}
