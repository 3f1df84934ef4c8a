// RunStoreTests: creating runs (pinned version, closed sessions, paused / archived agents), the
// run state machine — every legal and every illegal move, through the store's runtime methods and
// the `canMove` table — the events each move appends in the same transaction, cancellation by a
// caller (audited), step accounting, crash-recovery listing, listing with filters and cursors,
// workspace isolation, scopes and agent restrictions.

import JSON
import Platform
import Storage
import Testing

@Suite("RunStore")
struct RunStoreTests {
    /// The legal moves, spelled out independently of the implementation.
    static let legal: Set<[RunStatus]> = [
        [.queued, .running], [.queued, .failed], [.queued, .cancelled],
        [.running, .paused], [.running, .completed], [.running, .failed], [.running, .cancelled],
        [.paused, .running], [.paused, .failed], [.paused, .cancelled],
    ]

    /// A run of a fresh session brought to `status` through legal moves.
    func run(in fixture: DomainFixture, at status: RunStatus) throws -> Run {
        let run = try fixture.run()
        switch status {
        case .queued: return run
        case .running: return try fixture.runs.markRunning(id: run.id)
        case .paused:
            try fixture.runs.markRunning(id: run.id)
            return try fixture.runs.markPaused(id: run.id)
        case .completed:
            try fixture.runs.markRunning(id: run.id)
            return try fixture.runs.markCompleted(id: run.id, output: "done")
        case .failed: return try fixture.runs.markFailed(id: run.id, error: "boom")
        case .cancelled: return try fixture.runs.cancel(caller: fixture.local, id: run.id)
        }
    }

    /// Tries to move `run` to `next` with the runtime method (or `cancel`) for that state.
    func move(_ run: Run, to next: RunStatus, in fixture: DomainFixture) throws -> Run {
        switch next {
        case .queued: Issue.record("nothing moves a run back to queued"); return run
        case .running: return try fixture.runs.markRunning(id: run.id)
        case .paused: return try fixture.runs.markPaused(id: run.id)
        case .completed: return try fixture.runs.markCompleted(id: run.id, output: ["answer": 42])
        case .failed: return try fixture.runs.markFailed(id: run.id, error: "model unreachable")
        case .cancelled: return try fixture.runs.cancel(caller: fixture.local, id: run.id, reason: "user asked")
        }
    }

    // MARK: - State machine

    @Test("canMove allows exactly the documented moves")
    func canMoveTable() {
        for from in RunStatus.allCases {
            for to in RunStatus.allCases {
                #expect(from.canMove(to: to) == Self.legal.contains([from, to]), "\(from) → \(to)")
            }
            #expect(from.isTerminal == [.completed, .failed, .cancelled].contains(from))
        }
        #expect(RunStatus.unfinished == [.queued, .running, .paused])
    }

    @Test("every legal move succeeds in the store and every illegal one is a conflict naming both states")
    func everyMove() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        for from in RunStatus.allCases {
            for to in RunStatus.allCases where to != .queued {
                let run = try run(in: fixture, at: from)
                #expect(run.status == from)
                if Self.legal.contains([from, to]) {
                    let moved = try move(run, to: to, in: fixture)
                    #expect(moved.status == to, "\(from) → \(to)")
                    #expect(try fixture.runs.get(caller: fixture.local, id: run.id).status == to)
                } else if to == .cancelled {
                    // A caller cancelling an ended run gets a conflict naming its state.
                    let message = conflictMessage { _ = try move(run, to: to, in: fixture) }
                    #expect(message?.contains(from.rawValue) == true, "\(from) → \(to): \(message ?? "")")
                    #expect(try fixture.runs.get(caller: fixture.local, id: run.id).status == from)
                } else {
                    let message = conflictMessage { _ = try move(run, to: to, in: fixture) }
                    #expect(message?.contains("from \(from.rawValue) to \(to.rawValue)") == true, "\(from) → \(to): \(message ?? "")")
                    #expect(try fixture.runs.get(caller: fixture.local, id: run.id).status == from)
                }
            }
        }
        #expect(platformError { _ = try fixture.runs.markRunning(id: "run_missing") } == .notFound(kind: .run, id: "run_missing"))
    }

    @Test("a refused move changes nothing: no row change and no event")
    func refusedMoveIsAtomic() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let done = try run(in: fixture, at: .completed)
        let before = try fixture.events.read(caller: fixture.local, sessionID: done.sessionID)
        fixture.clock.advance(by: 100)
        _ = conflictMessage { _ = try fixture.runs.markFailed(id: done.id, error: "late") }
        #expect(try fixture.runs.get(caller: fixture.local, id: done.id) == done)
        #expect(try fixture.events.read(caller: fixture.local, sessionID: done.sessionID) == before)
    }

    // MARK: - Life cycle and events

    @Test("a run's life appends run.started, run.started (resumed) and run.completed in order, with timestamps and usage")
    func lifeCycleEvents() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support", version: 4)
        let session = try fixture.session()
        let created = try fixture.runs.create(caller: fixture.local, sessionID: session.id, trigger: .mcp, input: ["message": "reset my password"])
        #expect(created.id.hasPrefix("run_"))
        #expect(created.status == .queued)
        #expect(created.agentVersion == 4)
        #expect(created.trigger == .mcp)
        #expect(created.input == ["message": "reset my password"])
        #expect(created.startedAt == nil && created.finishedAt == nil && created.output == nil && created.error == nil)
        let t0 = fixture.clock.milliseconds
        fixture.clock.advance(by: 10)
        let running = try fixture.runs.markRunning(id: created.id)
        #expect(running.startedAt == t0 + 10)
        try fixture.runs.recordStep(id: created.id, tokensIn: 100, tokensOut: 20)
        try fixture.runs.markPaused(id: created.id)
        fixture.clock.advance(by: 10)
        let resumed = try fixture.runs.markRunning(id: created.id)
        #expect(resumed.startedAt == t0 + 10, "the first start is kept")
        let stepped = try fixture.runs.recordStep(id: created.id, tokensIn: 50, tokensOut: 5)
        #expect(stepped.steps == 2 && stepped.tokensIn == 150 && stepped.tokensOut == 25)
        fixture.clock.advance(by: 10)
        let done = try fixture.runs.markCompleted(id: created.id, output: ["text": "Go to Settings"])
        #expect(done.status == .completed)
        #expect(done.output == ["text": "Go to Settings"])
        #expect(done.finishedAt == t0 + 30)
        #expect(done.updatedAt == t0 + 30)
        let log = try fixture.events.read(caller: fixture.local, runID: created.id)
        #expect(log.map(\.type) == [.runStarted, .runStarted, .runCompleted])
        #expect(log.map(\.seq) == [1, 2, 3])
        #expect(log[0].data["resumed"] == false)
        #expect(log[1].data["resumed"] == true)
        #expect(log[2].data["output"] == ["text": "Go to Settings"])
        #expect(log[2].data["steps"] == 2 && log[2].data["tokens_in"] == 150 && log[2].data["tokens_out"] == 25)
        #expect(log.allSatisfy { $0.runID == created.id && $0.sessionID == session.id })
        #expect(try fixture.sessions.get(caller: fixture.local, id: session.id).lastEventSeq == 3)
        // Runtime moves are events, not audit records; only the creation is audited.
        #expect(try fixture.allAuditRows().compactMap { try? $0.string("action") }.filter { $0.hasPrefix("runs.") } == ["runs.create"])
    }

    @Test("failing appends run.failed with the error; cancelling appends run.cancelled with the reason and is audited")
    func failAndCancelEvents() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let failed = try fixture.runs.markFailed(id: try fixture.run().id, error: "upstream timed out")
        #expect(failed.error == "upstream timed out")
        #expect(failed.finishedAt == fixture.clock.milliseconds)
        let failedLog = try fixture.events.read(caller: fixture.local, runID: failed.id)
        #expect(failedLog.map(\.type) == [.runFailed])
        #expect(failedLog.first?.data["error"] == "upstream timed out")

        let paused = try run(in: fixture, at: .paused)
        let cancelled = try fixture.runs.cancel(caller: fixture.local, id: paused.id, reason: "not needed any more")
        #expect(cancelled.status == .cancelled)
        #expect(cancelled.error == "not needed any more")
        let cancelLog = try fixture.events.read(caller: fixture.local, runID: paused.id)
        #expect(cancelLog.map(\.type) == [.runStarted, .runCancelled])
        #expect(cancelLog.last?.data["reason"] == "not needed any more")
        let audits = try fixture.auditRows(action: "runs.cancel", target: paused.id)
        #expect(audits.count == 1)
        #expect(try audits.first?.optionalString("detail")?.contains("\"from\":\"paused\"") == true)
        #expect(validationIssues { _ = try fixture.runs.cancel(caller: fixture.local, id: try fixture.run().id, reason: String(repeating: "r", count: 1025)) }
            .map(\.path) == ["$.reason"])
        #expect(try fixture.auditIntact())
    }

    @Test("a very long failure message is cut to the maximum length")
    func longError() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let failed = try fixture.runs.markFailed(id: try fixture.run().id, error: String(repeating: "e", count: 10_000))
        #expect(failed.error?.count == RunStore.maxErrorLength)
    }

    @Test("steps are recorded only while running, and token counts must not be negative")
    func steps() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let queued = try fixture.run()
        #expect(conflictMessage { _ = try fixture.runs.recordStep(id: queued.id, tokensIn: 1, tokensOut: 1) }?.contains("queued") == true)
        try fixture.runs.markRunning(id: queued.id)
        #expect(validationIssues { _ = try fixture.runs.recordStep(id: queued.id, tokensIn: -1, tokensOut: -2) }.map(\.path)
            == ["$.tokens_in", "$.tokens_out"])
        #expect(try fixture.runs.recordStep(id: queued.id, tokensIn: 0, tokensOut: 0).steps == 1)
        #expect(platformError { _ = try fixture.runs.recordStep(id: "run_none", tokensIn: 0, tokensOut: 0) } == .notFound(kind: .run, id: "run_none"))
    }

    @Test("interrupted lists the queued, running and paused runs of every workspace, oldest first")
    func interrupted() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let acme = try fixture.workspace("acme")
        try fixture.addAgent("support", workspace: "acme")
        let queued = try run(in: fixture, at: .queued)
        fixture.clock.advance(by: 1)
        let running = try run(in: fixture, at: .running)
        fixture.clock.advance(by: 1)
        let paused = try run(in: fixture, at: .paused)
        fixture.clock.advance(by: 1)
        _ = try run(in: fixture, at: .completed)
        _ = try run(in: fixture, at: .failed)
        _ = try run(in: fixture, at: .cancelled)
        fixture.clock.advance(by: 1)
        let foreignSession = try fixture.sessions.resolve(caller: acme, agentID: "support", userReference: "x").session
        let foreign = try fixture.runs.create(caller: acme, sessionID: foreignSession.id, trigger: .webhook, input: .null)
        #expect(try fixture.runs.interrupted().map(\.id) == [queued.id, running.id, paused.id, foreign.id])
    }

    // MARK: - Create

    @Test("a run cannot start in a missing or deleted session, nor for a paused or archived agent")
    func createRefusals() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        #expect(platformError { _ = try fixture.runs.create(caller: fixture.local, sessionID: "ses_x", trigger: .cli, input: "x") }
            == .notFound(kind: .session, id: "ses_x"))
        let deleted = try fixture.session()
        try fixture.sessions.delete(caller: fixture.local, id: deleted.id)
        #expect(platformError { _ = try fixture.runs.create(caller: fixture.local, sessionID: deleted.id, trigger: .cli, input: "x") }
            == .notFound(kind: .session, id: deleted.id))
        let session = try fixture.session()
        try fixture.updateAgent("support", status: "paused")
        #expect(conflictMessage { _ = try fixture.runs.create(caller: fixture.local, sessionID: session.id, trigger: .cli, input: "x") }?
            .contains("paused") == true)
        try fixture.updateAgent("support", status: "active", archived: true)
        #expect(conflictMessage { _ = try fixture.runs.create(caller: fixture.local, sessionID: session.id, trigger: .cli, input: "x") }?
            .contains("archived") == true)
        try fixture.updateAgent("support", archived: false)
        #expect(try fixture.runs.create(caller: fixture.local, sessionID: session.id, trigger: .cli, input: "x").status == .queued)
        #expect(try fixture.auditRows(action: "runs.create").count == 1)
    }

    // MARK: - List

    @Test("list filters by session, agent and status, newest first, and pages with the last id as cursor")
    func listing() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        try fixture.addAgent("billing")
        let session = try fixture.session(agent: "support")
        var all: [Run] = []
        for index in 0..<5 {
            all.append(try fixture.runs.create(caller: fixture.local, sessionID: session.id, trigger: .api, input: .int(Int64(index))))
            if index == 2 { fixture.clock.advance(by: 1) }
        }
        fixture.clock.advance(by: 1)
        let other = try fixture.run(agent: "billing")
        try fixture.runs.markRunning(id: all[0].id)
        let listed = try fixture.runs.list(caller: fixture.local)
        #expect(listed.count == 6)
        #expect(listed.first?.id == other.id)
        #expect(try fixture.runs.list(caller: fixture.local, sessionID: session.id).count == 5)
        #expect(try fixture.runs.list(caller: fixture.local, agentID: "billing").map(\.id) == [other.id])
        #expect(try fixture.runs.list(caller: fixture.local, status: .running).map(\.id) == [all[0].id])
        #expect(try fixture.runs.list(caller: fixture.local, sessionID: session.id, status: .queued).count == 4)
        var paged: [String] = []
        var cursor: String?
        repeat {
            let page = try fixture.runs.list(caller: fixture.local, limit: 2, after: cursor)
            paged += page.map(\.id)
            cursor = page.count == 2 ? page.last?.id : nil
        } while cursor != nil
        #expect(paged == listed.map(\.id))
        #expect(validationIssues { _ = try fixture.runs.list(caller: fixture.local, limit: 0) }.map(\.path) == ["$.limit"])
        #expect(validationIssues { _ = try fixture.runs.list(caller: fixture.local, after: "run_unknown") }.map(\.path) == ["$.after"])
    }

    // MARK: - Access

    @Test("runs of another workspace are not found (audited), and their ids are unknown cursors")
    func crossWorkspace() throws {
        let fixture = try DomainFixture()
        let acme = try fixture.workspace("acme")
        try fixture.addAgent("support", workspace: "acme")
        let session = try fixture.sessions.resolve(caller: acme, agentID: "support", userReference: "x").session
        let foreign = try fixture.runs.create(caller: acme, sessionID: session.id, trigger: .cli, input: "x")
        let expected = PlatformError.notFound(kind: .run, id: foreign.id)
        #expect(platformError { _ = try fixture.runs.get(caller: fixture.local, id: foreign.id) } == expected)
        #expect(platformError { _ = try fixture.runs.cancel(caller: fixture.local, id: foreign.id) } == expected)
        #expect(platformError { _ = try fixture.events.read(caller: fixture.local, runID: foreign.id) } == expected)
        #expect(try fixture.auditRows(action: "runs.read", outcome: "denied", target: foreign.id).count == 2)
        #expect(try fixture.auditRows(action: "runs.write", outcome: "denied", target: foreign.id).count == 1)
        #expect(try fixture.runs.list(caller: fixture.local).isEmpty)
        #expect(validationIssues { _ = try fixture.runs.list(caller: fixture.local, after: foreign.id) }.map(\.path) == ["$.after"])
        #expect(try fixture.runs.get(caller: acme, id: foreign.id).status == .queued)
        #expect(try fixture.auditIntact())
    }

    @Test("missing scopes are forbidden whether or not the run exists")
    func scopes() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let run = try fixture.run()
        let reader = fixture.caller([.runsRead])
        let none = fixture.caller([.approvalsRead])
        #expect(platformError { _ = try fixture.runs.create(caller: reader, sessionID: run.sessionID, trigger: .cli, input: "x") } == .forbidden(.runsWrite))
        #expect(platformError { _ = try fixture.runs.cancel(caller: reader, id: run.id) } == .forbidden(.runsWrite))
        #expect(platformError { _ = try fixture.runs.cancel(caller: reader, id: "run_none") } == .forbidden(.runsWrite))
        #expect(platformError { _ = try fixture.runs.get(caller: none, id: run.id) } == .forbidden(.runsRead))
        #expect(platformError { _ = try fixture.runs.list(caller: none) } == .forbidden(.runsRead))
        #expect(platformError { _ = try fixture.events.read(caller: none, runID: run.id) } == .forbidden(.runsRead))
        #expect(try fixture.runs.get(caller: reader, id: run.id).id == run.id)
        #expect(try fixture.runs.get(caller: fixture.local, id: run.id).status == .queued)
    }

    @Test("an agent-restricted principal sees, creates and cancels only its agents' runs")
    func agentRestriction() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        try fixture.addAgent("billing")
        let mine = try fixture.run(agent: "support")
        let theirs = try fixture.run(agent: "billing")
        let restricted = fixture.caller([.runsRead, .runsWrite], agents: ["support"])
        #expect(try fixture.runs.list(caller: restricted).map(\.id) == [mine.id])
        #expect(try fixture.runs.list(caller: restricted, agentID: "billing").isEmpty)
        #expect(platformError { _ = try fixture.runs.get(caller: restricted, id: theirs.id) } == .notFound(kind: .run, id: theirs.id))
        #expect(platformError { _ = try fixture.runs.cancel(caller: restricted, id: theirs.id) } == .notFound(kind: .run, id: theirs.id))
        #expect(platformError { _ = try fixture.runs.create(caller: restricted, sessionID: theirs.sessionID, trigger: .api, input: "x") }
            == .notFound(kind: .session, id: theirs.sessionID))
        #expect(platformError { _ = try fixture.events.read(caller: restricted, runID: theirs.id) } == .notFound(kind: .run, id: theirs.id))
        #expect(try fixture.runs.cancel(caller: restricted, id: mine.id).status == .cancelled)
        #expect(try fixture.runs.get(caller: fixture.local, id: theirs.id).status == .queued)
        #expect(try fixture.allAuditRows().filter { (try? $0.string("outcome")) == "denied" }.count == 4)
        #expect(try fixture.auditIntact())
    }
}
