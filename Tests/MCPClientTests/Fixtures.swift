import Foundation
import HTTPTestSupport
import Testing

/// Where the stdio tests find their servers: our `mcp-reference-server` next to the test bundle,
/// and the official Python SDK servers in the repository's virtual environments.
///
/// The environments are made by `Tests/InteropTests/setup-venvs.sh` (idempotent, locked with
/// flock, shared with InteropTests). When one is missing this runs the script once per test
/// process; if that fails too, the tests that need it are skipped with the reason.
enum Fixtures {
    /// `<repo>`: three levels above this file.
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = repoRoot.appendingPathComponent("Tests/MCPClientTests/fixtures")
    static let setupScript = repoRoot.appendingPathComponent("Tests/InteropTests/setup-venvs.sh")

    static var legacyServerScript: String { directory.appendingPathComponent("legacy_server.py").path }
    static var modernServerScript: String { directory.appendingPathComponent("modern_server.py").path }
    static var sseServerScript: String { directory.appendingPathComponent("sse_server.py").path }
    static var resumableServerScript: String { directory.appendingPathComponent("resumable_server.py").path }

    /// `<repo>/<venv>/bin/<tool>`, making the environment first if needed; skips the test when
    /// it cannot be had.
    static func venvTool(_ venv: String, _ tool: String = "python") async throws -> String {
        let path = repoRoot.appendingPathComponent("\(venv)/bin/\(tool)").path
        if isReady(venv), FileManager.default.isExecutableFile(atPath: path) { return path }
        let setupFailure = await venvSetup.value
        guard isReady(venv), FileManager.default.isExecutableFile(atPath: path) else {
            try Test.cancel("skipped: \(path) is not available (\(setupFailure ?? "no reason given")); run Tests/InteropTests/setup-venvs.sh")
        }
        return path
    }

    /// A virtual environment is ready once setup-venvs.sh wrote its stamp (the last step).
    private static func isReady(_ venv: String) -> Bool {
        let root = repoRoot.appendingPathComponent(venv)
        return FileManager.default.fileExists(atPath: root.appendingPathComponent(".agentbridge-interop-stamp").path)
            && FileManager.default.isExecutableFile(atPath: root.appendingPathComponent("bin/python").path)
    }

    /// Runs setup-venvs.sh once per test process; nil on success, else why it failed.
    private static let venvSetup: Task<String?, Never> = Task {
        guard FileManager.default.fileExists(atPath: setupScript.path) else { return "\(setupScript.path) does not exist" }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("mcpclient-venvs-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        guard let handle = try? FileHandle(forWritingTo: log) else { return "cannot create \(log.path)" }
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [setupScript.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        let status: Int32 = await withCheckedContinuation { c in
            process.terminationHandler = { c.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                c.resume(returning: -1)
            }
        }
        try? handle.close()
        if status == 0 { return nil }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return "setup-venvs.sh exited with \(status): \(output.suffix(2000))"
    }
}
