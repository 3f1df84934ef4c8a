import Bridge
import Foundation
import JSON
import Platform
import Runtime
import Storage
import Testing

/// Durability in one test process: a driver stopped mid-call (as a process shutting down or
/// crashing would leave it) leaves the run unfinished with a `tool.call` and no result; a second
/// runtime on the same database recovers it — re-executing an `auto_run` call with a retry
/// marker, but never repeating a human-approved call — and only one runtime drives a run at a
/// time. The `kill -9` of a real process is in RunCommandTests.
@Suite("Runtime: recovery", .serialized, .timeLimit(.minutes(5)))
struct RecoveryTests {
    /// A second runtime (own registry, own upstream processes) on `harness`'s database.
    final class Restarted: Sendable {
        let registry: UpstreamRegistry
        let runtime: AgentRuntime

        init(_ harness: RuntimeHarness) throws {
            let database = try PlatformSchema.open(path: harness.directory.file("platform.sqlite"))
            let vault = try CredentialStore(database: database, masterKey: [UInt8](repeating: 7, count: 32))
            registry = UpstreamRegistry(vault: vault, environment: ProcessInfo.processInfo.environment)
            var configuration = RuntimeConfiguration()
            configuration.pollInterval = .milliseconds(50)
            runtime = AgentRuntime(database: database, registry: registry, vault: vault, models: StandardModelClientFactory(), configuration: configuration)
        }

        func close() async {
            await runtime.shutdown()
            await registry.stopAll()
        }
    }

    /// Starts `message` and stops driving it (task cancelled, run untouched) once the fixture
    /// logged the start of `tag`.
    func interruptedRun(_ harness: RuntimeHarness, _ message: String, tag: String, approve: Bool = false) async throws -> Run {
        let run = try harness.start("fixer", message)
        let driver = Task { try await harness.runtime.drive(caller: harness.caller, runID: run.id) }
        if approve {
            #expect(try await eventually { try harness.get(run.id).status == .paused })
            let approval = try #require(try ApprovalStore(database: harness.database).list(caller: harness.caller, status: .pending, runID: run.id).first)
            try harness.runtime.decide(caller: harness.caller, approvalID: approval.id, approve: true)
        }
        #expect(await eventually { fixtureLog(harness.fixtureLogPath).contains { $0.hasPrefix("start \(tag) ") } })
        driver.cancel()
        let outcome = try await driver.value
        #expect(outcome.name == "interrupted")
        #expect(try harness.get(run.id).status == .running, "the run is left for recovery")
        return run
    }

    @Test func aRecoveredRunReExecutesAnInterruptedAutoRunCallMarkedAsARetry() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixtureAuto) { harness in
            let run = try await interruptedRun(harness, "/call fix__flaky {\"tag\": \"k\"}\n/call fix__record {\"text\": \"beside\"}", tag: "k")
            await harness.close()

            let restarted = try Restarted(harness)
            #expect(restarted.runtime.recover() == [run.id])
            #expect(try await eventually { try harness.get(run.id).status == .completed })
            await restarted.close()

            let events = try harness.events(run.id)
            #expect(zip(events, events.dropFirst()).allSatisfy { $0.seq + 1 == $1.seq }, "no gaps, no duplicates")
            let calls = events.filter { $0.type == .toolCall && $0.data["tool_call_id"] == "call_1" }
            #expect(calls.count == 2)
            #expect(calls.last?.data["retry"] == true)
            #expect(calls.last?.data["attempt"] == 2)
            #expect(events.filter { $0.type == .toolResult }.count == 2, "one result per call")
            #expect(events.contains { $0.type == .runStarted && $0.data["recovered"] == true })
            #expect(try harness.get(run.id).output?["text"]?.stringValue?.contains("done k on attempt 2") == true)
            // The sibling call may or may not have reached the upstream before the interruption
            // (its tool.call is written before it is sent); either way every execution the
            // upstream saw is a recorded tool.call, and the recovered run executed it.
            let siblings = events.filter { $0.type == .toolCall && $0.data["tool_call_id"] == "call_2" }
            let executed = fixtureLog(harness.fixtureLogPath).filter { $0.hasPrefix("record") }.count
            #expect(executed >= 1 && executed <= siblings.count, "\(executed) executions, \(siblings.count) recorded calls")
            #expect(siblings.dropFirst().allSatisfy { $0.data["retry"] == true })
        }
    }

    @Test func anInterruptedApprovedCallIsReportedToTheModelNotRepeated() async throws {
        try Paths.requirePythonUpstreams()
        let manifest = Manifests.fixtureAuto.replacingOccurrences(
            of: #""allowed_tools": ["record", "meet", "hang", "flaky"]"#,
            with: #""allowed_tools": ["record", "meet", "hang", "flaky"], "tools": {"flaky": {"run_behavior": "request_confirmation"}}"#)
        try await RuntimeHarness.with(manifest: manifest) { harness in
            let run = try await interruptedRun(harness, #"/call fix__flaky {"tag": "approved"}"#, tag: "approved", approve: true)
            await harness.close()

            let restarted = try Restarted(harness)
            #expect(restarted.runtime.recover() == [run.id])
            #expect(try await eventually { try harness.get(run.id).status == .completed })
            await restarted.close()

            let result = try #require(try harness.events(run.id).first { $0.type == .toolResult })
            #expect(result.data["interrupted"] == true)
            #expect(result.data["is_error"] == true)
            #expect(fixtureLog(harness.fixtureLogPath).filter { $0.hasPrefix("start approved ") }.count == 1, "executed once only")
        }
    }

    @Test func onlyOneRuntimeDrivesARunAndAnotherCanStillCancelIt() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixtureAuto) { harness in
            let run = try harness.start("fixer", #"/call fix__hang {"tag": "held"}"#)
            let driver = Task { try await harness.runtime.drive(caller: harness.caller, runID: run.id) }
            #expect(await eventually { fixtureLog(harness.fixtureLogPath).contains { $0.hasPrefix("start held ") } })

            let other = try Restarted(harness)
            #expect(other.runtime.recover().isEmpty, "a run with a live driver is not adopted")
            let second = try await other.runtime.drive(caller: harness.caller, runID: run.id)
            #expect(second.name == "busy")
            try other.runtime.cancel(caller: harness.caller, runID: run.id, reason: "from the other runtime")
            let outcome = try await driver.value
            #expect(outcome.name == "cancelled")
            await other.close()
        }
    }
}
