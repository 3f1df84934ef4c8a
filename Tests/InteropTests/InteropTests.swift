/// Interop proof: the built servers are driven over stdio by the REAL official Python MCP clients
/// (SDK 2.3.0 in auto and legacy mode, SDK 1.x) and by a raw-frame script, each as a subprocess.
///
/// Why: unit tests only show that the engine agrees with our reading of the spec; these show that
/// the clients people actually run agree with the engine. Each script prints one line per check
/// and stops at the first failure with a precise message, which this test shows on failure.
///
/// The Python environments come from `Tests/InteropTests/setup-venvs.sh` (idempotent, locked),
/// which every test runs first. Executables are found next to the test bundle. The same clients
/// (plus raw HTTP probes and a wrk load test) drive `agentbridge serve` in HTTPInteropTests.swift.
import Foundation
import HTTPTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A server under test: which executable, with which arguments.
struct ServerUnderTest: CustomTestStringConvertible, Sendable {
    let executable: String
    let arguments: [String]

    var testDescription: String { ([executable] + arguments).joined(separator: " ") }

    static let all: [ServerUnderTest] = [
        ServerUnderTest(executable: "mcp-reference-server", arguments: ["--tools", "100"]),
        ServerUnderTest(executable: "agentbridge", arguments: ["stdio", "--surface", "reference"]),
    ]
}

/// The outcome of one subprocess run.
struct RunResult: Sendable {
    var status: Int32
    var timedOut: Bool
    var output: String
    var seconds: Double
}

enum Interop {
    /// `<repo>`: three levels above this file (`<repo>/Tests/InteropTests/InteropTests.swift`).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let scripts = repoRoot.appendingPathComponent("Tests/InteropTests/python")
    static let modernPython = repoRoot.appendingPathComponent(".venv-interop/bin/python").path
    static let legacyPython = repoRoot.appendingPathComponent(".venv-legacy/bin/python").path

    /// Seconds the Python script is given for its own checks (`--timeout`); the subprocess is
    /// killed a little later, whatever it is doing.
    static let scriptTimeout = 240.0

    /// The directory holding the built executables: walk up from the test bundle
    /// (`.build/<triple>/debug/agentbridgePackageTests.xctest`) until a directory contains both.
    static func binDirectory() throws -> URL {
        let fm = FileManager.default
        if let override = ProcessInfo.processInfo.environment["AGENTBRIDGE_BIN_DIR"] {
            return URL(fileURLWithPath: override)
        }
        var candidates: [URL] = []
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        for _ in 0..<8 {
            candidates.append(dir)
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(repoRoot.appendingPathComponent(".build/debug"))
        for candidate in candidates {
            let names = ServerUnderTest.all.map(\.executable)
            if names.allSatisfy({ fm.isExecutableFile(atPath: candidate.appendingPathComponent($0).path) }) {
                return candidate
            }
        }
        throw InteropError(
            "built executables \(ServerUnderTest.all.map(\.executable)) not found next to the test bundle "
                + "\(CommandLine.arguments[0]) (searched: \(candidates.map(\.path)))")
    }

    /// Runs setup-venvs.sh once per test process; every test awaits the same outcome.
    static let venvSetup: Task<RunResult, Never> = Task {
        await run(
            "/bin/bash", [repoRoot.appendingPathComponent("Tests/InteropTests/setup-venvs.sh").path],
            timeout: 1200)
    }

    static func ensureVenvs() async throws {
        let result = await venvSetup.value
        guard result.status == 0, !result.timedOut else {
            throw InteropError(
                "Tests/InteropTests/setup-venvs.sh failed (status \(result.status), timed out: \(result.timedOut)):\n"
                    + result.output)
        }
    }

    /// Runs `python script -- server...` and returns its outcome; never hangs.
    static func runScript(python: String, script: String, server: ServerUnderTest) async throws -> RunResult {
        try await ensureVenvs()
        let bin = try binDirectory()
        let serverPath = bin.appendingPathComponent(server.executable).path
        let arguments = [
            scripts.appendingPathComponent(script).path, "--timeout", String(Int(scriptTimeout)), "--", serverPath,
        ] + server.arguments
        return await run(python, arguments, timeout: scriptTimeout + 30)
    }

    /// Runs a subprocess with stdin at /dev/null and stdout+stderr captured to a file. When
    /// `timeout` passes it is killed (through coreutils `timeout`, its whole process group: the
    /// Python client's server children too; then directly, as a last resort) and reported.
    /// Python client scripts wait for one of `ScriptSlots.shared`'s slots first; their timeout
    /// starts once they run.
    static func run(_ executable: String, _ arguments: [String], timeout: Double) async -> RunResult {
        if ScriptSlots.isScript(executable, arguments) {
            return await ScriptSlots.shared.withSlot { await runNow(executable, arguments, timeout: timeout) }
        }
        return await runNow(executable, arguments, timeout: timeout)
    }

    private static func runNow(_ executable: String, _ arguments: [String], timeout: Double) async -> RunResult {
        let started = Date()
        let logURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("agentbridge-interop-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: logURL) }
        guard let log = try? FileHandle(forWritingTo: logURL) else {
            return RunResult(status: -1, timedOut: false, output: "cannot create \(logURL.path)", seconds: 0)
        }
        defer { try? log.close() }

        let process = TestProcess()
        let groupKiller = "/usr/bin/timeout"
        if FileManager.default.isExecutableFile(atPath: groupKiller) {
            process.executableURL = URL(fileURLWithPath: groupKiller)
            process.arguments = ["--kill-after=5", String(Int(timeout)), executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        process.environment = environment
        process.currentDirectoryURL = repoRoot
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        do {
            try process.run()
        } catch {
            return RunResult(status: -1, timedOut: false, output: "cannot start \(executable): \(error)", seconds: 0)
        }
        let deadline = Date().addingTimeInterval(timeout + 10)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                process.terminate()
                try? await Task.sleep(for: .seconds(3))
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                break
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        process.waitUntilExit()
        let status = process.terminationStatus
        // coreutils timeout exits 124 when it had to stop the command (137 after --kill-after).
        if status == 124 || status == 137 { timedOut = true }
        let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? "<unreadable output>"
        return RunResult(status: status, timedOut: timedOut, output: output, seconds: Date().timeIntervalSince(started))
    }

    /// The last lines of a script's output, for a failure message.
    static func tail(_ text: String, lines: Int = 120) -> String {
        let all = text.split(separator: "\n", omittingEmptySubsequences: false)
        return all.suffix(lines).joined(separator: "\n")
    }

    static func expectSuccess(_ result: RunResult, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let verdict = result.timedOut ? "was killed after its hard timeout" : "exited with status \(result.status)"
        #expect(
            result.status == 0 && !result.timedOut,
            "\(what) \(verdict) after \(String(format: "%.1f", result.seconds))s; its output:\n\(tail(result.output))",
            sourceLocation: sourceLocation)
    }
}

struct InteropError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

@Suite("Interop with the official Python MCP clients over stdio", .serialized)
struct InteropTests {
    @Test(
        "The Python SDK 2.3.0 client in auto mode settles on the modern era and every fixture works",
        arguments: ServerUnderTest.all)
    func modernClientInAutoMode(server: ServerUnderTest) async throws {
        let result = try await Interop.runScript(
            python: Interop.modernPython, script: "client_auto.py", server: server)
        Interop.expectSuccess(result, "client_auto.py against \(server.testDescription)")
    }

    @Test(
        "The Python SDK 2.3.0 client in legacy mode completes the 2025-11-25 handshake and every fixture works",
        arguments: ServerUnderTest.all)
    func modernClientInLegacyMode(server: ServerUnderTest) async throws {
        let result = try await Interop.runScript(
            python: Interop.modernPython, script: "client_legacy.py", server: server)
        Interop.expectSuccess(result, "client_legacy.py against \(server.testDescription)")
    }

    @Test(
        "The Python SDK 1.x client negotiates 2025-11-25 and every fixture works",
        arguments: ServerUnderTest.all)
    func legacyClient(server: ServerUnderTest) async throws {
        let result = try await Interop.runScript(
            python: Interop.legacyPython, script: "client_v1.py", server: server)
        Interop.expectSuccess(result, "client_v1.py against \(server.testDescription)")
    }

    @Test(
        "Every frame the server writes validates against the official schema of each protocol version",
        arguments: ServerUnderTest.all)
    func schemaConformance(server: ServerUnderTest) async throws {
        let result = try await Interop.runScript(
            python: Interop.modernPython, script: "schema_conformance.py", server: server)
        Interop.expectSuccess(result, "schema_conformance.py against \(server.testDescription)")
    }

    @Test(
        "Raw stdio frames get the exact replies the spec requires and bad input never kills the server",
        arguments: ServerUnderTest.all)
    func rawFrames(server: ServerUnderTest) async throws {
        let result = try await Interop.runScript(
            python: Interop.modernPython, script: "raw_stdio.py", server: server)
        Interop.expectSuccess(result, "raw_stdio.py against \(server.testDescription)")
    }
}
