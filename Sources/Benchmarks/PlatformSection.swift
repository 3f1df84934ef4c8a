import Foundation
import Synchronization

/// The platform: `run_agent` over HTTP (2026-07-28) against `agentbridge serve` on the platform
/// database — the scripted model asks for one `echo` call, the runtime makes it through agent
/// `bench`'s binding to the reference server, and the model answers; every step committed to
/// SQLite. Runs per second with 1, 4 and 16 clients, each waiting for its run's answer, every run
/// in a new session (independent requests); then one client continuing a single session, whose
/// runs are measured separately because their cost depends on how many came before them.
enum PlatformSection {
    /// Latencies and outcomes gathered by the client threads.
    final class Outcomes: Sendable {
        let state = Mutex<(samples: [UInt64], errors: Int, firstError: String?)>(([], 0, nil))
    }

    static func run(_ context: SuiteContext) throws {
        let toolbox = context.toolbox, options = context.options
        let database = try BenchDatabase.prepare(toolbox)
        context.report.heading("Platform: `run_agent` with the scripted model and one upstream call")
        context.report.line("`agentbridge serve` (platform surface, `--auth none`) on CPU 0 with its upstream; clients on CPU 1, each on its own keep-alive connection, "
            + "sending `run_agent {\"agent\":\"bench\",\"message\":\"/call echo {\\\"text\\\":\\\"hello\\\"}\"}` and waiting for the completed run "
            + "(the answer must say `completed` and carry `hello`), each run in a new session (`session_reference` unique per run) — "
            + "and last, one client continuing one session. \(options.wrkSeconds) s per level after 20 warm-up runs. Load at start: \(Machine.loadAverage()).")
        let variant = HTTPVariant(name: "platform", era: .modern, session: false, checksEcho: false) { port in
            [toolbox.agentbridge, "--db", database, "serve", "--auth", "none", "--manifests", "none", "--no-access-log", "--listen", "127.0.0.1:\(port)"]
        }
        let target = try HTTPTarget(variant, pinning: context.pinning, log: toolbox.log("platform"))
        defer { target.stop() }
        let pid = target.process.pid
        let warm = Outcomes()
        drive(port: target.port, clients: 1, runs: 20, seconds: 60, session: .perRun("warm"), into: warm)
        if let failure = warm.state.withLock({ $0.firstError }) { throw BenchmarkFailure("run_agent failed: \(failure)") }

        var table = MarkdownTable([
            ("clients", true), ("sessions", false), ("runs/s", true), ("p50 ms", true), ("p99 ms", true), ("server CPU cores", true), ("server CPU ms/run", true),
            ("server RSS MB", true), ("errors", true), ("bg cores", true),
        ])
        let levels = options.runConcurrency.map { ($0, Sessions.perRun("c\($0)")) } + [(1, Sessions.continued("conversation"))]
        var growth = ""
        for (level, (clients, sessions)) in levels.enumerated() {
            SuiteReport.progress("platform run_agent, \(clients) clients, \(sessions.label)")
            let ((outcomes, cores), background) = context.measured(servers: [pid]) {
                let outcomes = Outcomes()
                let cpuBefore = ProcessTree.cpuSeconds(of: pid), started = Monotonic.seconds()
                let tagged = sessions.tagged("\(level)-\(Monotonic.nanoseconds())")
                drive(port: target.port, clients: clients, runs: nil, seconds: Double(options.wrkSeconds), session: tagged, into: outcomes)
                return (outcomes, (ProcessTree.cpuSeconds(of: pid) - cpuBefore) / (Monotonic.seconds() - started))
            }
            let (samples, errors, firstError) = outcomes.state.withLock { ($0.samples, $0.errors, $0.firstError) }
            let latencies = Latencies(nanoseconds: samples)
            let rate = Double(samples.count) / Double(options.wrkSeconds)
            if let firstError { SuiteReport.progress("  first error: \(firstError)") }
            SuiteReport.progress("  \(NumberFormat.significant(rate)) runs/s, p50 \(NumberFormat.significant(latencies.p50 / 1000)) ms")
            if case .continued = sessions, samples.count >= 200 {
                let first = Latencies(nanoseconds: Array(samples.prefix(100))), last = Latencies(nanoseconds: Array(samples.suffix(100)))
                growth = "\nThe continued session, run by run: p50 \(NumberFormat.significant(first.p50 / 1000)) ms over its first 100 runs, "
                    + "\(NumberFormat.significant(last.p50 / 1000)) ms over runs \(samples.count - 99)–\(samples.count)."
            }
            table.add([
                "\(clients)", sessions.label, NumberFormat.significant(rate), NumberFormat.significant(latencies.p50 / 1000), NumberFormat.significant(latencies.p99 / 1000),
                NumberFormat.fixed(cores, 2), NumberFormat.significant(rate > 0 ? cores / rate * 1000 : 0),
                NumberFormat.megabytes(kilobytes: ProcessTree.residentKilobytes(of: pid)), "\(errors)", NumberFormat.fixed(background, 2),
            ])
        }
        context.report.table(table)
        if !growth.isEmpty { context.report.line(growth) }
    }

    /// Which session each run goes to; names carry a prefix no other level uses.
    enum Sessions {
        /// A new session per run.
        case perRun(String)
        /// One session per client, continued by each of its runs.
        case continued(String)

        var label: String {
            if case .perRun = self { return "new per run" }
            return "one, continued"
        }

        func tagged(_ tag: String) -> Sessions {
            switch self {
            case .perRun(let prefix): return .perRun(prefix + "-" + tag)
            case .continued(let prefix): return .continued(prefix + "-" + tag)
            }
        }

        func reference(client: Int, run: Int) -> String {
            switch self {
            case .perRun(let prefix): return "bench-\(prefix)-\(client)-\(run)"
            case .continued(let prefix): return "bench-\(prefix)-\(client)"
            }
        }
    }

    /// `clients` threads, each sending runs one after another until `runs` each or `seconds` passed.
    private static func drive(port: UInt16, clients: Int, runs: Int?, seconds: Double, session: Sessions, into outcomes: Outcomes) {
        let group = DispatchGroup()
        let deadline = Monotonic.seconds() + seconds
        for client in 0..<clients {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                var id = 0
                do {
                    let connection = try HTTPConnection(port: port)
                    while Monotonic.seconds() < deadline, runs.map({ id < $0 }) ?? true {
                        id += 1
                        let reference = session.reference(client: client, run: id)
                        let body = #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"run_agent","arguments":{"agent":"bench","message":"/call echo {\"text\":\"hello\"}","session_reference":"\#(reference)"},\#(Era.envelope)}}"#
                        let sent = Monotonic.nanoseconds()
                        let reply = try connection.post(
                            "/mcp", headers: [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/call"), ("Mcp-Name", "run_agent")], body: body)
                        let elapsed = Monotonic.nanoseconds() - sent
                        let text = reply.text
                        let ok = reply.status == 200 && text.contains(#""status":"completed""#) && text.contains("hello")
                        outcomes.state.withLock { state in
                            if ok { state.samples.append(elapsed) } else {
                                state.errors += 1
                                if state.firstError == nil { state.firstError = "\(reply.status) \(text.prefix(300))" }
                            }
                        }
                    }
                } catch {
                    outcomes.state.withLock { state in
                        state.errors += 1
                        if state.firstError == nil { state.firstError = "\(error)" }
                    }
                }
            }
            thread.start()
        }
        group.wait()
    }
}
