import Foundation
import Testing

/// The handshake-only upstream of these tests: `Tests/MCPClientTests/fixtures/legacy_server.py`
/// (FastMCP from `mcp<2`) under `.venv-legacy`, which `.ci/run` prepares before the tests and a
/// plain `swift test` prepares on first use (in another module, so this waits for its stamp).
enum LegacyFixture {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let server = repoRoot.appendingPathComponent("Tests/MCPClientTests/fixtures/legacy_server.py").path

    /// The venv's interpreter, once `setup-venvs.sh` has finished; an issue after 15 minutes.
    static func python() async throws -> String {
        let venv = repoRoot.appendingPathComponent(".venv-legacy")
        let stamp = venv.appendingPathComponent(".agentbridge-interop-stamp").path
        let deadline = Date().addingTimeInterval(900)
        while !FileManager.default.fileExists(atPath: stamp) {
            guard Date() < deadline else {
                Issue.record("\(venv.path) was not prepared; run Tests/InteropTests/setup-venvs.sh")
                throw CancellationError()
            }
            try await Task.sleep(for: .seconds(1))
        }
        return venv.appendingPathComponent("bin/python").path
    }
}
