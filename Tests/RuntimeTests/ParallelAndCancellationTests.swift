import Foundation
import JSON
import Platform
import Runtime
import Testing

/// Parallel tool calls of one model turn run concurrently — proven by an upstream tool that only
/// returns once a second call arrived — and cancellation stops a run wherever it is: in a slow
/// upstream call (the upstream sees the cancellation), in the model's stream, whether it was
/// cancelled through this runtime or by another process writing to the database.
@Suite("Runtime: parallel calls and cancellation", .serialized, .timeLimit(.minutes(5)))
struct ParallelAndCancellationTests {
    @Test func theCallsOfOneTurnRunConcurrently() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixtureAuto) { harness in
            let outcome = try await harness.run("fixer", "/call fix__meet {\"party\": \"left\"}\n/call fix__meet {\"party\": \"right\"}")
            #expect(outcome.name == "completed")
            let results = try harness.events(outcome.run.id).filter { $0.type == .toolResult }
            #expect(results.map { $0.data["is_error"] } == [false, false])
            #expect(Set(results.compactMap { $0.data["content"]?.stringValue }) == ["left met right", "right met left"])
        }
    }

    @Test func cancellingDuringASlowUpstreamCallCancelsTheCallUpstream() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixtureAuto) { harness in
            let run = try harness.start("fixer", #"/call fix__hang {"tag": "slow"}"#)
            let driver = Task { try await harness.runtime.drive(caller: harness.caller, runID: run.id) }
            #expect(await eventually { fixtureLog(harness.fixtureLogPath).contains { $0.hasPrefix("start slow") } })
            try harness.runtime.cancel(caller: harness.caller, runID: run.id, reason: "enough")
            let outcome = try await driver.value
            #expect(outcome.name == "cancelled")
            #expect(outcome.run.error == "enough")
            #expect(await eventually { fixtureLog(harness.fixtureLogPath).contains("cancelled slow") }, "the upstream saw the cancellation")
            let events = try harness.events(run.id)
            #expect(events.last?.type == .runCancelled)
            #expect(!events.contains { $0.type == .toolResult })
        }
    }

    static let reference = """
        {"upstream_servers": {"ref": {"transport": "stdio", "command": "$AGENTBRIDGE", "args": ["reference-server", "--tools", "2"]}},
         "agents": {"worker": {"name": "Worker", "instructions": "i", "model": "scripted/x",
                               "bindings": [{"server": "ref", "allowed_tools": ["slow_operation"], "timeout_s": 300}]}}}
        """

    @Test func aCancellationWrittenByAnotherProcessStopsTheReferenceServersSlowOperation() async throws {
        try await RuntimeHarness.with(manifest: Self.reference) { harness in
            let run = try harness.start("worker", #"/call ref__slow_operation {"steps": 1000, "step_ms": 60000}"#)
            let driver = Task { try await harness.runtime.drive(caller: harness.caller, runID: run.id) }
            #expect(try await eventually { try harness.events(run.id).contains { $0.type == .toolCall } })
            // Straight to the database, as `cancel_run` in another agentbridge would.
            try RunStore(database: harness.database).cancel(caller: harness.caller, id: run.id, reason: "from elsewhere")
            let outcome = try await driver.value
            #expect(outcome.name == "cancelled")
            #expect(!(try harness.events(run.id)).contains { $0.type == .toolResult })
        }
    }

    @Test func cancellingDuringTheModelsStreamStopsIt() async throws {
        try await RuntimeHarness.with(manifest: #"{"agents": {"sleeper": {"name": "S", "instructions": "i", "model": "scripted/x"}}}"#) { harness in
            let run = try harness.start("sleeper", "/sleep 600000\nthink long")
            let driver = Task { try await harness.runtime.drive(caller: harness.caller, runID: run.id) }
            #expect(try await eventually { try harness.get(run.id).status == .running })
            try harness.runtime.cancel(caller: harness.caller, runID: run.id)
            let outcome = try await driver.value
            #expect(outcome.name == "cancelled")
            #expect(outcome.run.steps == 0, "the interrupted turn was never counted")
        }
    }

    static let delegating = """
        {"upstream_servers": {"fix": {"transport": "stdio", "command": "$PYTHON", "args": ["$FIXTURE", "--log", "$FIXTURE_LOG"]}},
         "agents": {
           "fixer": {"name": "Fixer", "instructions": "i", "model": "scripted/test", "bindings": [{"server": "fix", "allowed_tools": ["hang"]}]},
           "lead": {"name": "Lead", "instructions": "i", "model": "scripted/test", "sub_agents": ["fixer"]}}}
        """

    @Test func cancellingAParentRunCancelsItsSubAgentsRunAndTheUpstreamCallInIt() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Self.delegating) { harness in
            let run = try harness.start("lead", #"/call agent__fixer {"message": "/call fix__hang {\"tag\": \"nested\"}"}"#)
            let driver = Task { try await harness.runtime.drive(caller: harness.caller, runID: run.id) }
            #expect(await eventually { fixtureLog(harness.fixtureLogPath).contains { $0.hasPrefix("start nested ") } })
            try harness.runtime.cancel(caller: harness.caller, runID: run.id)
            let outcome = try await driver.value
            #expect(outcome.name == "cancelled")
            let child = try #require(try RunStore(database: harness.database).list(caller: harness.caller, agentID: "fixer").first)
            #expect(child.status == .cancelled)
            #expect(child.error?.contains(run.id) == true, "\(child.error ?? "")")
            #expect(await eventually { fixtureLog(harness.fixtureLogPath).contains("cancelled nested") })
        }
    }
}
