/// Interop proof over HTTP: `agentbridge serve` is started as a subprocess on an ephemeral loopback
/// port and driven by the REAL official Python MCP clients (SDK 2.3.0 `Client(url)` in auto and
/// legacy mode, SDK 1.x over Streamable HTTP and over the 2024-11-05 HTTP+SSE transport), by a
/// raw-request script that walks the spec's status table, and by wrk.
///
/// Every test starts its own server (fixture state such as dynamic tools never leaks between
/// scripts), gives the script a hard timeout, and always stops the server afterwards — SIGTERM,
/// which must end it with status 0, then SIGKILL as a last resort. The server additionally runs
/// under coreutils `timeout` (a lifetime cap driven by SIGALRM, which that tool always unblocks),
/// so even a crashed test process cannot leave it running for long.
import Foundation
import HTTPTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One running `agentbridge serve` process.
final class HTTPServerProcess: @unchecked Sendable {
    let process: TestProcess
    let url: String
    /// The agentbridge process itself (the child of the `timeout` wrapper; `subreaper.py` when it
    /// wraps the server), when known.
    let serverPID: Int32?
    let logURL: URL
    /// A database file created for this server (removed when it stops), nil when the test gave one.
    var ownDatabase: String?
    private var stopped = false

    /// The longest a server may live, whatever happens to the test process.
    static let lifetimeCap = 1800

    private init(process: TestProcess, url: String, serverPID: Int32?, logURL: URL) {
        self.process = process
        self.url = url
        self.serverPID = serverPID
        self.logURL = logURL
    }

    var port: String { url.split(separator: ":").last.map { String($0.split(separator: "/")[0]) } ?? "?" }

    /// The server's stderr so far.
    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "<unreadable server log>" }

    /// Starts `agentbridge serve --listen 127.0.0.1:0 --no-access-log <extra>` and waits for its
    /// "serving MCP on http://…" line.
    ///
    /// `reapingOrphans`: the server runs under `subreaper.py`, which adopts whatever the server's
    /// tree orphans; `stop()` then returns status 86 and the log names each orphan ("orphaned:
    /// PID ARGS") when the server exited without reaping an upstream.
    static func start(_ extra: [String] = [], executable: URL? = nil, niceness: Int = 0, pathPrefix: String? = nil,
                      reapingOrphans: Bool = false) async throws -> HTTPServerProcess {
        let binary = try executable ?? Interop.binDirectory().appendingPathComponent("agentbridge")
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("agentbridge-serve-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }
        let process = TestProcess()
        // Each server gets its own database file; tests that do not test authentication run
        // without it (the default is API keys from the database).
        let database = FileManager.default.temporaryDirectory.appendingPathComponent("agentbridge-serve-\(UUID().uuidString).sqlite").path
        var serveArguments = ["serve", "--listen", "127.0.0.1:0", "--no-access-log"] + extra
        if !extra.contains("--db") { serveArguments += ["--db", database] }
        if !extra.contains("--auth") && !extra.contains("--token") { serveArguments += ["--auth", "none"] }
        // Tests of the HTTP/MCP stack drive the conformance fixtures; platform tests say so.
        if !extra.contains("--surface") { serveArguments += ["--surface", "reference"] }
        let groupKiller = "/usr/bin/timeout"
        let wrapped = FileManager.default.isExecutableFile(atPath: groupKiller)
        let launcher = reapingOrphans ? [Interop.modernPython, Interop.scripts.appendingPathComponent("subreaper.py").path, "--", binary.path]
                                    : [binary.path]
        var command = wrapped ? [groupKiller, "--kill-after=5", String(lifetimeCap)] + launcher + serveArguments
                              : launcher + serveArguments
        if niceness != 0 { command = Interop.niced(command, niceness) }  // nice and timeout exec: pids stay
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        if let pathPrefix {
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = pathPrefix + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
            process.environment = environment
        }
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"serving MCP on (http://[^\s]+)"#, options: .regularExpression) {
                let url = String(text[range].dropFirst("serving MCP on ".count))
                let pid = wrapped ? childPID(of: process.processIdentifier) : process.processIdentifier
                let server = HTTPServerProcess(process: process, url: url, serverPID: pid, logURL: logURL)
                server.ownDatabase = extra.contains("--db") ? nil : database
                return server
            }
            if !process.isRunning { break }
            try? await Task.sleep(for: .milliseconds(25))
        }
        let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        if process.isRunning {
            if wrapped, let child = childPID(of: process.processIdentifier) { kill(child, SIGKILL) }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: logURL)
        throw InteropError("\(binary.path) \(serveArguments.joined(separator: " ")) did not print its URL within 20 s "
            + "(running: \(process.isRunning)); its output:\n\(text)")
    }

    /// The first child of `pid` (Linux /proc), i.e. the server under the `timeout` wrapper.
    private static func childPID(of pid: Int32) -> Int32? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.flatMap { Int32($0) }
    }

    /// SIGTERM, then SIGKILL after `grace` seconds. Returns (exit status, seconds until exit, killed).
    @discardableResult
    func stop(grace: Double = 15) async -> (status: Int32, seconds: Double, killed: Bool) {
        if stopped { return (process.terminationStatus, 0, false) }
        stopped = true
        let started = Date()
        var killed = false
        if process.isRunning {
            // To the server itself: under swift test the wrapper inherits a signal mask that blocks
            // SIGTERM (coreutils timeout waits in sigsuspend with the inherited mask), so it would
            // never forward it. The wrapper exits when its child does (SIGCHLD is not blocked).
            kill(serverPID ?? process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(grace)
            while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning {
                killed = true
                if let child = serverPID, child != process.processIdentifier { kill(child, SIGKILL) }
                kill(process.processIdentifier, SIGKILL)
            }
        }
        process.waitUntilExit()
        if let database = ownDatabase {
            for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        }
        return (process.terminationStatus, Date().timeIntervalSince(started), killed)
    }

    deinit {
        if process.isRunning {
            if let child = serverPID, child != process.processIdentifier { kill(child, SIGKILL) }
            kill(process.processIdentifier, SIGKILL)
        }
        try? FileManager.default.removeItem(at: logURL)
    }
}

extension Interop {
    /// Seconds an HTTP script is given for its own checks (`--timeout`); it is killed 30 s later.
    static let httpScriptTimeout = 240.0

    /// Starts a server, runs `python script <arguments with {url} {pid} {base} filled in>`, stops the
    /// server (always, also when something throws) and records the outcome as expectations.
    static func runAgainstServer(
        python: String, script: String, arguments: [String] = ["--url", "{url}"], serverArguments: [String] = [],
        niceness: Int = 0, what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await ensureVenvs()
        let server = try await HTTPServerProcess.start(serverArguments, niceness: niceness)
        let base = server.url.hasSuffix("/mcp") ? String(server.url.dropLast(4)) : server.url
        var filled: [String] = []
        for argument in arguments {
            if argument == "{pid}" && server.serverPID == nil {
                if filled.last == "--pid" { filled.removeLast() }  // pid unknown (no /proc): skip the option
                continue
            }
            filled.append(argument.replacingOccurrences(of: "{url}", with: server.url)
                .replacingOccurrences(of: "{base}", with: base)
                .replacingOccurrences(of: "{pid}", with: server.serverPID.map(String.init) ?? ""))
        }
        let command = niced([python, scripts.appendingPathComponent(script).path, "--timeout", String(Int(httpScriptTimeout))] + filled,
                            niceness)
        let result = await run(command[0], Array(command.dropFirst()), timeout: httpScriptTimeout + 30)
        let stop = await server.stop()
        let serverLog = tail(server.log, lines: 40)
        let verdict = result.timedOut ? "was killed after its hard timeout" : "exited with status \(result.status)"
        #expect(
            result.status == 0 && !result.timedOut,
            "\(what) \(verdict) after \(String(format: "%.1f", result.seconds))s; its output:\n\(tail(result.output))\n--- server stderr ---\n\(serverLog)",
            sourceLocation: sourceLocation)
        let stopMessage = "agentbridge serve (port \(server.port)) did not stop cleanly on SIGTERM after \(what): "
            + "status \(stop.status), killed \(stop.killed), \(String(format: "%.1f", stop.seconds))s\n--- server stderr ---\n\(serverLog)"
        #expect(stop.status == 0 && !stop.killed, Comment(rawValue: stopMessage), sourceLocation: sourceLocation)
    }

    /// `command` under `nice -n niceness` when that helps and is available.
    static func niced(_ command: [String], _ niceness: Int) -> [String] {
        let nice = "/usr/bin/nice"
        guard niceness != 0, FileManager.default.isExecutableFile(atPath: nice) else { return command }
        return [nice, "-n", String(niceness)] + command
    }

    static var hasWrk: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/wrk")
        }
    }
}

@Suite("Interop with the official Python MCP clients over HTTP (agentbridge serve)", .serialized)
struct HTTPInteropTests {
    @Test("The Python SDK 2.3.0 client in auto mode settles on the 2026 era over Streamable HTTP and every fixture works")
    func modernClientInAutoModeOverHTTP() async throws {
        try await Interop.runAgainstServer(
            python: Interop.modernPython, script: "client_auto.py", what: "client_auto.py --url")
    }

    @Test("The Python SDK 2.3.0 client in legacy mode runs a 2025-11-25 session over Streamable HTTP: session id, GET stream, DELETE")
    func modernClientInLegacyModeOverHTTP() async throws {
        try await Interop.runAgainstServer(
            python: Interop.modernPython, script: "client_legacy.py", what: "client_legacy.py --url")
    }

    @Test("The Python SDK 1.x client negotiates 2025-11-25 over Streamable HTTP and every fixture works")
    func legacyClientOverStreamableHTTP() async throws {
        try await Interop.runAgainstServer(
            python: Interop.legacyPython, script: "client_v1.py", what: "client_v1.py --url …/mcp")
    }

    @Test("The Python SDK 1.x client works over the 2024-11-05 HTTP+SSE transport (/sse and /messages)")
    func legacyClientOverHTTPPlusSSE() async throws {
        try await Interop.runAgainstServer(
            python: Interop.legacyPython, script: "client_v1.py", arguments: ["--url", "{base}/sse"],
            what: "client_v1.py --url …/sse")
    }

    @Test("Raw HTTP requests get the status, JSON-RPC error code and id the spec requires, and every reply validates against the schema")
    func rawHTTPStatusTable() async throws {
        try await Interop.runAgainstServer(
            python: Interop.modernPython, script: "raw_http.py", arguments: ["--url", "{url}", "--pid", "{pid}"],
            what: "raw_http.py")
    }

    @Test("With --token every MCP route needs the bearer token (or X-API-Key), answers 401 with WWW-Authenticate otherwise, and everything else still works")
    func rawHTTPWithToken() async throws {
        let token = "interop-\(UUID().uuidString)"
        try await Interop.runAgainstServer(
            python: Interop.modernPython, script: "raw_http.py",
            arguments: ["--url", "{url}", "--pid", "{pid}", "--token", token], serverArguments: ["--token", token],
            what: "raw_http.py --token")
    }

    @Test(
        "Under load at 1, 16 and 64 connections every stateless tools/call succeeds and the server stays healthy",
        .enabled(if: Interop.hasWrk, "wrk is not installed (apt-get install wrk)"))
    func loadWithWrk() async throws {
        try await Interop.runAgainstServer(
            python: Interop.modernPython, script: "load_test.py",
            arguments: ["--url", "{url}", "--pid", "{pid}", "--connections", "1,16,64", "--duration", "5"],
            niceness: 10,  // wrk and the server saturate the CPUs: let concurrently running tests go first
            what: "load_test.py")
    }
}
