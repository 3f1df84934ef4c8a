import Foundation
import Testing

/// The platform over MCP end to end: the official Python SDK 2.3.0 client, in both eras, over
/// stdio (`agentbridge stdio`) and HTTP (`agentbridge serve` with an API key) drives
/// `platform_scenario.py`: create an agent bound to the reference upstream, run it with progress,
/// approve a confirmation through elicitation, read the run resource, cancel a run, and decide a
/// paused run's approval with edited arguments from a client that cannot elicit.
@Suite("The platform over MCP (Python SDK 2.3.0)", .serialized)
struct PlatformInteropTests {
    @Test(arguments: ["stdio", "http"], ["auto", "legacy"])
    func theScenarioRunsInEveryEraOverEveryTransport(transport: String, mode: String) async throws {
        try await Interop.ensureVenvs()
        let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("platform-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("agentbridge.sqlite").path
        let applied = await Interop.run(binary, ["--db", db, "apply", Interop.repoRoot.appendingPathComponent("Manifests").path], timeout: 60)
        #expect(applied.status == 0, "\(applied.output)")
        let script = Interop.scripts.appendingPathComponent("platform_scenario.py").path
        if transport == "stdio" {
            let result = await Interop.run(Interop.modernPython, [script, "--mode", mode, "--db", db, "--", binary], timeout: 240)
            Interop.expectSuccess(result, "platform_scenario.py stdio \(mode)")
            #expect(result.output.contains("ok   decide_approval with edited arguments resumes the run"))
            return
        }
        let created = await Interop.run(binary, ["--db", db, "--json", "keys", "create", "--name", "scenario", "--scope", "admin"], timeout: 30)
        let object = try JSONSerialization.jsonObject(with: Data(created.output.utf8)) as? [String: Any]
        let key = try #require(object?["secret"] as? String, "\(created.output)")
        let server = try await HTTPServerProcess.start(["--db", db, "--auth", "keys", "--manifests", "none", "--surface", "platform"])
        let result = await Interop.run(Interop.modernPython, [script, "--mode", mode, "--url", server.url, "--key", key], timeout: 240)
        let stopped = await server.stop()
        Interop.expectSuccess(result, "platform_scenario.py http \(mode)")
        #expect(result.output.contains("ok   decide_approval with edited arguments resumes the run"))
        #expect(stopped.status == 0, "\(server.log)")
        #expect(!server.log.contains(key), "the key reached the server's log")
    }
}
