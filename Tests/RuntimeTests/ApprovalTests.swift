import Foundation
import JSON
import Platform
import Runtime
import Testing

/// `request_confirmation` tools: the run pauses with an approval per call and continues when it
/// is decided — from this process or another surface writing to the database — executing the
/// (possibly edited) arguments it was approved with, telling the model about a rejection, and
/// failing when the approval expires. The fixture upstream logs what it received, so the tests
/// see which arguments actually reached it.
@Suite("Runtime: approvals", .serialized, .timeLimit(.minutes(5)))
struct ApprovalTests {
    /// Drives a run of `message` in the background and waits until it paused on one approval.
    func pausedRun(_ harness: RuntimeHarness, _ message: String) async throws -> (Task<RunOutcome, any Error>, Approval) {
        let run = try harness.start("fixer", message)
        let driver = Task { try await harness.runtime.drive(caller: harness.caller, runID: run.id) }
        let store = ApprovalStore(database: harness.database)
        #expect(try await eventually { try harness.get(run.id).status == .paused })
        let pending = try store.list(caller: harness.caller, status: .pending, runID: run.id)
        #expect(pending.count == 1)
        return (driver, try #require(pending.first))
    }

    @Test func anApprovalWithEditedArgumentsDecidedElsewhereExecutesTheEditedArguments() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixture) { harness in
            let (driver, approval) = try await pausedRun(harness, #"/call fix__record {"text": "as proposed"}"#)
            #expect(approval.arguments == ["text": "as proposed"])
            #expect(approval.serverID == "fix")
            #expect(approval.toolName == "record")
            #expect(fixtureLog(harness.fixtureLogPath).isEmpty, "nothing reached the upstream before the decision")

            // Decided through the store, as another process would: the ticker notices.
            try ApprovalStore(database: harness.database).decide(
                caller: harness.caller, id: approval.id, approve: true, arguments: ["text": "as edited"])
            let outcome = try await driver.value
            #expect(outcome.name == "completed", "\(outcome.run.error ?? "")")
            #expect(fixtureLog(harness.fixtureLogPath) == [#"record {"text": "as edited"}"#])

            let events = try harness.events(outcome.run.id)
            let call = try #require(events.first { $0.type == .toolCall })
            #expect(call.data["arguments"] == ["text": "as edited"])
            #expect(call.data["arguments_edited"] == true)
            #expect(call.data["approval_id"]?.stringValue == approval.id)
            let result = try #require(events.first { $0.type == .toolResult })
            #expect(result.data["content"]?.stringValue?.hasSuffix("recorded as edited") == true)
            let kinds = events.map(\.type).filter { $0 != .messageDelta }
            #expect(kinds == [.runStarted, .messageCompleted, .approvalRequested, .approvalResolved, .runStarted, .toolCall, .toolResult, .messageCompleted, .runCompleted])
        }
    }

    @Test func aRejectedCallIsNeverExecutedAndTheModelIsToldWhy() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixture) { harness in
            let (driver, approval) = try await pausedRun(harness, #"/call fix__record {"text": "secret"}"#)
            try harness.runtime.decide(caller: harness.caller, approvalID: approval.id, approve: false, reason: "not today")
            let outcome = try await driver.value
            #expect(outcome.name == "completed")
            #expect(fixtureLog(harness.fixtureLogPath).isEmpty, "the upstream never saw the call")
            let result = try #require(try harness.events(outcome.run.id).first { $0.type == .toolResult })
            #expect(result.data["is_error"] == true)
            #expect(result.data["rejected"] == true)
            #expect(outcome.text.contains("rejected"))
            #expect(outcome.text.contains("not today"))
        }
    }

    @Test func anExpiredApprovalFailsTheRun() async throws {
        try Paths.requirePythonUpstreams()
        let clock = TestClock()
        try await RuntimeHarness.with(manifest: Manifests.fixture, clock: clock, configure: { $0.approvalTimeout = .seconds(60) }) { harness in
            let (driver, approval) = try await pausedRun(harness, #"/call fix__record {"text": "too late"}"#)
            clock.advance(milliseconds: 61_000)
            let outcome = try await driver.value
            #expect(outcome.name == "failed")
            #expect(outcome.run.error?.contains(approval.id) == true, "\(outcome.run.error ?? "")")
            #expect(try ApprovalStore(database: harness.database).get(caller: harness.caller, id: approval.id).status == .expired)
            #expect(fixtureLog(harness.fixtureLogPath).isEmpty)
        }
    }

    @Test func aDriverThatReturnsWhenPausedContinuesTheRunWhenDrivenAgain() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixture) { harness in
            let run = try harness.start("fixer", "/call fix__record {\"text\": \"a\"}\n/call fix__record {\"text\": \"b\"}")
            let first = try await harness.runtime.drive(caller: harness.caller, runID: run.id, policy: .returnWhenPaused)
            guard case .paused(let paused, let approvals) = first else {
                Issue.record("expected paused, got \(first.name)")
                return
            }
            #expect(paused.status == .paused)
            #expect(approvals.map(\.toolCallID).sorted() == ["call_1", "call_2"])
            // One decided: still paused, nothing executed yet.
            try harness.runtime.decide(caller: harness.caller, approvalID: approvals[0].id, approve: true)
            let second = try await harness.runtime.drive(caller: harness.caller, runID: run.id, policy: .returnWhenPaused)
            #expect(second.name == "paused")
            #expect(fixtureLog(harness.fixtureLogPath).count == 1, "the approved call ran while the other waits")
            try harness.runtime.decide(caller: harness.caller, approvalID: approvals[1].id, approve: true)
            let third = try await harness.runtime.drive(caller: harness.caller, runID: run.id, policy: .returnWhenPaused)
            #expect(third.name == "completed")
            #expect(fixtureLog(harness.fixtureLogPath).sorted() == [#"record {"text": "a"}"#, #"record {"text": "b"}"#])
        }
    }
}
