import Foundation
import JSON
import Platform
import Storage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `agentbridge run` end to end, the built binary against real upstreams: it streams a run that
/// calls mcp-server-time; without a terminal it stops at an approval with exit status 5, and
/// `approvals decide` + `run --resume` finish the run with the edited arguments; on a terminal it
/// asks inline; a cancellation written by another process stops it during a slow tool (exit 4);
/// and after `kill -9` mid-call, `agentbridge serve` resumes the run to completion with a
/// gap-free, duplicate-free event log.
@Suite("agentbridge run (end to end)", .serialized, .timeLimit(.minutes(10)))
struct RunCommandTests {
    /// A database in `directory` configured by `manifest` through `agentbridge apply`.
    func prepare(_ manifest: String, in directory: TemporaryDirectory) async throws -> String {
        let database = directory.file("agentbridge.sqlite")
        let file = directory.file("manifest.json")
        try RuntimeHarness.expand(manifest, directory: directory).write(toFile: file, atomically: true, encoding: .utf8)
        let applied = try await CommandProcess.run(try Paths.agentbridge(), ["--db", database, "apply", file], in: directory)
        #expect(applied.status == 0, "\(applied.output)\(applied.errors)")
        return database
    }

    /// The run id `agentbridge run` announces first on stderr.
    func runID(in errors: String) throws -> String {
        let marker = "agentbridge: run "
        let line = try #require(errors.split(separator: "\n").first { $0.hasPrefix(marker) }, "\(errors)")
        return String(line.dropFirst(marker.count).prefix { $0 != " " })
    }

    func events(_ runID: String, database path: String) throws -> [Event] {
        let database = try PlatformSchema.open(path: path)
        return try EventLog(database: database).read(caller: .local(.cli), runID: runID, after: 0, limit: EventLog.maxReadLimit)
    }

    func status(_ runID: String, database path: String) throws -> RunStatus {
        try RunStore(database: try PlatformSchema.open(path: path)).get(caller: .local(.cli), id: runID).status
    }

    @Test func aRunStreamsItsCallToMcpServerTimeAndExitsZero() async throws {
        try Paths.requirePythonUpstreams()
        let directory = TemporaryDirectory()
        let database = try await prepare(RunLoopTests.clock, in: directory)
        let result = try await CommandProcess.run(
            try Paths.agentbridge(),
            ["--db", database, "run", "clock", #"/call time__get_current_time {"timezone": "Asia/Tokyo"}"#, "--var", "team=ops"],
            in: directory)
        #expect(result.status == 0, "\(result.output)\(result.errors)")
        #expect(result.output.contains(#"→ time__get_current_time {"timezone":"Asia/Tokyo"}"#), "\(result.output)")
        #expect(result.output.contains("← time__get_current_time: "), "\(result.output)")
        #expect(result.output.contains("Asia/Tokyo"))
        #expect(result.errors.contains("completed (steps 2"), "\(result.errors)")
    }

    @Test func withoutATerminalARunStopsAtAnApprovalAndResumesAfterTheDecision() async throws {
        try Paths.requirePythonUpstreams()
        let directory = TemporaryDirectory()
        let database = try await prepare(Manifests.fixture, in: directory)
        let binary = try Paths.agentbridge()
        let first = try await CommandProcess.run(binary, ["--db", database, "run", "fixer", #"/call fix__record {"text": "draft"}"#], in: directory)
        #expect(first.status == 5, "\(first.output)\(first.errors)")
        let run = try runID(in: first.errors)
        #expect(try status(run, database: database) == .paused)
        let listed = try await CommandProcess.run(binary, ["--db", database, "--json", "approvals", "list", "--run", run], in: directory)
        let approval = try #require(try JSONParser.parse(listed.output)[0]?["id"]?.stringValue, "\(listed.output)")
        #expect(first.errors.contains(approval))

        let decided = try await CommandProcess.run(
            binary, ["--db", database, "approvals", "decide", approval, "--approve", "--arguments", #"{"text": "final"}"#], in: directory)
        #expect(decided.status == 0, "\(decided.errors)")
        let resumed = try await CommandProcess.run(binary, ["--db", database, "run", "--resume", run], in: directory)
        #expect(resumed.status == 0, "\(resumed.output)\(resumed.errors)")
        #expect(resumed.output.contains("← fix__record: "), "\(resumed.output)")
        #expect(fixtureLog(directory.file("fixture.log")) == [#"record {"text": "final"}"#])
    }

    @Test func onATerminalTheApprovalIsAskedInline() async throws {
        try Paths.requirePythonUpstreams()
        let directory = TemporaryDirectory()
        let database = try await prepare(Manifests.fixture, in: directory)
        let script = Paths.repoRoot + "/Tests/RuntimeTests/fixtures/tty_approve.py"
        let result = try await CommandProcess.run(
            "/usr/bin/env",
            ["python3", script, "e", #"{"text": "typed"}"#, "--", try Paths.agentbridge(), "--db", database, "run", "fixer",
             #"/call fix__record {"text": "offered"}"#],
            in: directory)
        #expect(result.status == 0, "\(result.output)")
        #expect(fixtureLog(directory.file("fixture.log")) == [#"record {"text": "typed"}"#])
    }

    @Test func aCancellationFromAnotherProcessStopsTheRunDuringASlowTool() async throws {
        try Paths.requirePythonUpstreams()
        let directory = TemporaryDirectory()
        let database = try await prepare(Manifests.fixtureAuto, in: directory)
        let log = directory.file("fixture.log")
        let child = try CommandProcess(try Paths.agentbridge(), ["--db", database, "run", "fixer", #"/call fix__hang {"tag": "long"}"#], in: directory)
        #expect(await eventually { fixtureLog(log).contains { $0.hasPrefix("start long ") } }, "\(child.errors)")
        let run = try runID(in: child.errors)
        // Another process: `agentbridge runs cancel`.
        let cancelled = try await CommandProcess.run(try Paths.agentbridge(), ["--db", database, "runs", "cancel", run, "--reason", "stop it"], in: directory)
        #expect(cancelled.status == 0 && cancelled.output.contains("cancelled \(run)"), "\(cancelled.output)\(cancelled.errors)")
        let status = await child.wait()
        #expect(status == 4, "\(child.output)\(child.errors)")
        #expect(await eventually { fixtureLog(log).contains("cancelled long") }, "the upstream call was cancelled")
    }

    @Test func afterKill9MidCallServeResumesTheRunToCompletionWithAGapFreeLog() async throws {
        try Paths.requirePythonUpstreams()
        let directory = TemporaryDirectory()
        let database = try await prepare(Manifests.fixtureAuto, in: directory)
        let log = directory.file("fixture.log")
        let binary = try Paths.agentbridge()
        let message = "/call fix__record {\"text\": \"before\"}\n/then\n/call fix__flaky {\"tag\": \"crash\"}\n/call fix__record {\"text\": \"beside\"}"
        let child = try CommandProcess(binary, ["--db", database, "run", "fixer", message], in: directory)
        #expect(await eventually { fixtureLog(log).contains { $0.hasPrefix("start crash ") } }, "\(child.errors)")
        let run = try runID(in: child.errors)
        child.signal(SIGKILL)
        _ = await child.wait()
        // The upstream child of the killed process is left hanging in its call: end it too.
        for line in fixtureLog(log) where line.hasPrefix("start crash pid ") {
            if let pid = Int32(line.split(separator: " ").last ?? "") { kill(pid, SIGKILL) }
        }
        #expect(try status(run, database: database) == .running)

        let server = try CommandProcess(
            binary, ["--db", database, "serve", "--listen", "127.0.0.1:0", "--manifests", "none", "--auth", "none", "--no-access-log"],
            in: directory)
        let finished = try await eventually(120) { try status(run, database: database) == .completed }
        server.signal(SIGTERM)
        let stopped = await server.wait(60)
        #expect(finished, "\(server.errors)")
        #expect(stopped == 0, "\(server.errors)")
        #expect(server.errors.contains("resuming 1 unfinished run(s): \(run)"), "\(server.errors)")

        let events = try events(run, database: database)
        let numbers = events.map(\.seq)
        #expect(numbers == Array(numbers.first!...numbers.last!), "no gaps and no duplicates: \(numbers)")
        #expect(Set(numbers).count == numbers.count)
        let results = events.filter { $0.type == .toolResult }.compactMap { $0.data["tool_call_id"]?.stringValue }
        #expect(results.sorted() == ["call_1", "call_2", "call_3"], "exactly one result per call")
        let crashed = events.filter { $0.type == .toolCall && $0.data["tool_call_id"] == "call_2" }
        #expect(crashed.map { $0.data["retry"] ?? false } == [false, true], "the interrupted call was retried, marked as such")
        #expect(events.filter { $0.type == .runCompleted }.count == 1)
        // Every execution the upstream saw is a recorded tool.call (a retry is never silent), and
        // the call that had finished before the kill ran once.
        func calls(_ id: String) -> Int { events.filter { $0.type == .toolCall && $0.data["tool_call_id"]?.stringValue == id }.count }
        let upstream = fixtureLog(log)
        #expect(upstream.filter { $0 == #"record {"text": "before"}"# }.count == 1)
        #expect(calls("call_1") == 1)
        #expect(upstream.filter { $0.hasPrefix("start crash ") }.count == calls("call_2"))
        // call_3 ran beside the crashing call: the kill may land after its tool.call was recorded
        // but before the upstream saw it, so it may be recorded once more than it ran — never less.
        let besides = upstream.filter { $0 == #"record {"text": "beside"}"# }.count
        #expect(besides >= 1 && besides <= calls("call_3"), "executed \(besides)×, recorded \(calls("call_3"))×")
    }
}
