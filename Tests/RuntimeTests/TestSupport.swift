// TestSupport: temporary directories, a clock the test moves by hand, waiting for a condition
// (a poll with a generous hang guard — never a timing assertion), and where the executables and
// Python upstreams the tests drive live.

import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under /tmp, removed with its contents when released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        var template = Array("/tmp/agentbridge-runtime-XXXXXX".utf8CString)
        let result = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(result != nil, "mkdtemp failed")
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A wall clock that only moves when the test says so.
final class TestClock: Sendable {
    private let now = Atomic<Int64>(1_800_000_000_000)
    var milliseconds: Int64 { now.load(ordering: .relaxed) }
    func advance(milliseconds: Int64) { now.add(milliseconds, ordering: .relaxed) }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass (a hang guard, not a measure).
func eventually(_ seconds: Double = 60, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Where the things the tests run are.
enum Paths {
    /// `<repo>`: three levels above this file.
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let venvBin = repoRoot + "/.venv-interop/bin"
    static let python = venvBin + "/python"
    static let mcpServerTime = venvBin + "/mcp-server-time"
    static let fixtureServer = repoRoot + "/Tests/RuntimeTests/fixtures/runtime_upstream.py"

    /// The built `agentbridge`: next to the test bundle, else `<repo>/.build/debug`.
    static func agentbridge() throws -> String {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        for _ in 0..<8 {
            let candidate = directory.appendingPathComponent("agentbridge").path
            if FileManager.default.isExecutableFile(atPath: candidate), !candidate.hasSuffix(".xctest") { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let fallback = repoRoot + "/.build/debug/agentbridge"
        guard FileManager.default.isExecutableFile(atPath: fallback) else {
            throw TestFailure("the agentbridge executable was not found next to \(CommandLine.arguments[0]) nor at \(fallback); build it first")
        }
        return fallback
    }

    /// Fails the test early with a clear message when the interop Python environment is missing.
    static func requirePythonUpstreams() throws {
        for path in [python, mcpServerTime] where !FileManager.default.isExecutableFile(atPath: path) {
            throw TestFailure("\(path) is missing: create the interop environments with Tests/InteropTests/setup-venvs.sh")
        }
    }
}

/// A test precondition that did not hold.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The lines of the fixture upstream's log (empty when it does not exist yet).
func fixtureLog(_ path: String) -> [String] {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
}
