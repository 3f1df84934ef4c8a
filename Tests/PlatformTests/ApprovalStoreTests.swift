// ApprovalStoreTests: the approval life cycle — requesting (validation, run states, the
// approval.requested event), approving with and without edited arguments, rejecting, deciding
// twice, expiry on a manual clock (a late decision is refused and the approval is recorded as
// expired), `expireDue`, approvals closed when their run ends, audit records that never contain
// argument values, listing, workspace isolation, scopes and agent restrictions.

import JSON
import Platform
import Storage
import Testing

@Suite("ApprovalStore")
struct ApprovalStoreTests {
    static let arguments: JSONValue = ["to": "jane@acme.com", "subject": "Password Reset", "token": "SECRET-TOKEN-123"]

    /// A paused run of `agent` with one pending approval expiring in `lifetime` ms.
    func pendingApproval(_ fixture: DomainFixture, agent: String = "support", lifetime: Int64 = 60_000) throws -> (Run, Approval) {
        let run = try fixture.run(agent: agent)
        try fixture.runs.markRunning(id: run.id)
        let approval = try fixture.approvals.create(
            runID: run.id, toolCallID: "tc-001", serverID: "mail", toolName: "send_email", arguments: Self.arguments,
            expiresAt: fixture.clock.milliseconds + lifetime)
        try fixture.runs.markPaused(id: run.id)
        return (run, approval)
    }

    /// The decided-approval audit rows, with a check that no argument value leaked into them.
    func decisionAudits(_ fixture: DomainFixture, _ id: String, outcome: String = "ok") throws -> [String] {
        let details = try fixture.auditRows(action: "approvals.decide", outcome: outcome, target: id).compactMap { try $0.optionalString("detail") }
        for detail in details {
            for secret in ["SECRET-TOKEN-123", "jane@acme.com", "EDITED-VALUE"] { #expect(!detail.contains(secret), "\(detail)") }
        }
        return details
    }

    // MARK: - Request

    @Test("creating records a pending approval and appends approval.requested with the proposed call")
    func create() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let (run, approval) = try pendingApproval(fixture)
        #expect(approval.id.hasPrefix("apr_"))
        #expect(approval.status == .pending)
        #expect(approval.runID == run.id && approval.agentID == "support" && approval.workspaceID == "default")
        #expect(approval.toolCallID == "tc-001" && approval.serverID == "mail" && approval.toolName == "send_email")
        #expect(approval.arguments == Self.arguments)
        #expect(approval.approvedArguments == nil && approval.decidedBy == nil && approval.decidedAt == nil && approval.reason == nil)
        #expect(approval.expiresAt == fixture.clock.milliseconds + 60_000)
        #expect(try fixture.approvals.get(caller: fixture.local, id: approval.id) == approval)
        #expect(try fixture.approvals.pending(runID: run.id) == [approval])
        let requested = try fixture.events.read(caller: fixture.local, runID: run.id).filter { $0.type == .approvalRequested }
        #expect(requested.count == 1)
        #expect(requested.first?.data["approval_id"] == .string(approval.id))
        #expect(requested.first?.data["arguments"] == Self.arguments)
        #expect(requested.first?.data["tool_call_id"] == "tc-001")
        #expect(try fixture.auditRows(action: "approvals.create").isEmpty, "runtime requests are events, not audit records")
    }

    @Test("a gateway call's approval has no run: it names its requester, who alone may answer it, and is audited without argument values")
    func gatewayCallApproval() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let gateway = Caller.local(.http)
        let approval = try fixture.approvals.createForCall(
            caller: gateway, requester: "key:alice", agentID: "support", serverID: "mail", toolName: "send_email", arguments: Self.arguments,
            expiresAt: fixture.clock.milliseconds + 60_000)
        #expect(approval.runID == nil && approval.requestedBy == "key:alice" && approval.status == .pending)
        #expect(approval.toolCallID.hasPrefix("call_"))
        #expect(approval.json["run_id"] == .null && approval.json["requested_by"] == "key:alice")
        #expect(try fixture.approvals.list(caller: fixture.local, status: .pending).map(\.id) == [approval.id])
        #expect(try fixture.auditRows(action: "approvals.request", target: approval.id).count == 1)
        for detail in try fixture.auditRows(action: "approvals.request", target: approval.id).compactMap({ try $0.optionalString("detail") }) {
            #expect(!detail.contains("SECRET-TOKEN-123") && !detail.contains("jane@acme.com"), "\(detail)")
        }
        #expect(platformError {
            try fixture.approvals.answer(caller: gateway, requester: "key:mallory", id: approval.id, approve: true)
        } == .notFound(kind: .approval, id: approval.id))
        let answered = try fixture.approvals.answer(caller: gateway, requester: "key:alice", id: approval.id, approve: false, reason: "no")
        #expect(answered.status == .rejected && answered.decidedBy == "key:alice" && answered.reason == "no")
        #expect(try decisionAudits(fixture, approval.id).count == 1)

        let issues = validationIssues {
            _ = try fixture.approvals.createForCall(
                caller: gateway, requester: "bad\nkey", agentID: "support", serverID: "", toolName: "t", arguments: "text",
                expiresAt: fixture.clock.milliseconds)
        }
        #expect(issues.map(\.path) == ["$.requested_by", "$.server_id", "$.arguments", "$.expires_at"])
    }

    @Test("creating validates every field with its path and needs a running or paused run")
    func createValidation() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let run = try fixture.run()
        let now = fixture.clock.milliseconds
        let issues = validationIssues {
            _ = try fixture.approvals.create(
                runID: run.id, toolCallID: "", serverID: "bad\nid", toolName: String(repeating: "t", count: 257),
                arguments: ["not", "an", "object"], expiresAt: now)
        }
        #expect(issues.map(\.path) == ["$.tool_call_id", "$.server_id", "$.tool_name", "$.arguments", "$.expires_at"])
        #expect(platformError {
            _ = try fixture.approvals.create(runID: "run_none", toolCallID: "t", toolName: "x", arguments: [:], expiresAt: now + 1)
        } == .notFound(kind: .run, id: "run_none"))
        #expect(conflictMessage {
            _ = try fixture.approvals.create(runID: run.id, toolCallID: "t", toolName: "x", arguments: [:], expiresAt: now + 1)
        }?.contains("queued") == true)
        try fixture.runs.markFailed(id: run.id, error: "x")
        #expect(conflictMessage {
            _ = try fixture.approvals.create(runID: run.id, toolCallID: "t", toolName: "x", arguments: [:], expiresAt: now + 1)
        }?.contains("failed") == true)
        #expect(try fixture.approvals.list(caller: fixture.local).isEmpty)
    }

    // MARK: - Decide

    @Test("approving without arguments keeps the proposal; the decision, event and audit record agree")
    func approveAsProposed() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let (run, approval) = try pendingApproval(fixture)
        fixture.clock.advance(by: 1000)
        let approver = fixture.caller([.approvalsWrite], key: "key_alice")
        let decided = try fixture.approvals.decide(caller: approver, id: approval.id, approve: true, reason: "looks right")
        #expect(decided.status == .approved)
        #expect(decided.approvedArguments == Self.arguments)
        #expect(decided.decidedBy == "key_alice")
        #expect(decided.decidedAt == fixture.clock.milliseconds)
        #expect(decided.reason == "looks right")
        #expect(try fixture.approvals.pending(runID: run.id).isEmpty)
        let resolved = try fixture.events.read(caller: fixture.local, runID: run.id).filter { $0.type == .approvalResolved }
        #expect(resolved.count == 1)
        #expect(resolved.first?.data["status"] == "approved")
        #expect(resolved.first?.data["arguments_edited"] == false)
        #expect(resolved.first?.data["arguments"] == Self.arguments)
        #expect(resolved.first?.data["decided_by"] == "key_alice")
        let audits = try decisionAudits(fixture, approval.id)
        #expect(audits.count == 1)
        #expect(audits.first?.contains("\"arguments_edited\":false") == true)
        #expect(audits.first?.contains("\"decision\":\"approved\"") == true)
        #expect(try fixture.allAuditRows().last?.string("actor") == "key_alice")
    }

    @Test("approving with edited arguments stores the edit; identical arguments do not count as an edit")
    func approveEdited() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let (run, approval) = try pendingApproval(fixture)
        let edited: JSONValue = ["to": "jane@acme.com", "subject": "EDITED-VALUE"]
        let decided = try fixture.approvals.decide(caller: fixture.local, id: approval.id, approve: true, arguments: edited)
        #expect(decided.approvedArguments == edited)
        #expect(decided.arguments == Self.arguments, "the proposal is kept")
        let event = try fixture.events.read(caller: fixture.local, runID: run.id).last
        #expect(event?.type == .approvalResolved)
        #expect(event?.data["arguments"] == edited)
        #expect(event?.data["arguments_edited"] == true)
        #expect(try decisionAudits(fixture, approval.id).first?.contains("\"arguments_edited\":true") == true)

        // Same members in another order: not an edit.
        let (_, second) = try pendingApproval(fixture)
        let reordered: JSONValue = ["token": "SECRET-TOKEN-123", "subject": "Password Reset", "to": "jane@acme.com"]
        let same = try fixture.approvals.decide(caller: fixture.local, id: second.id, approve: true, arguments: reordered)
        #expect(same.approvedArguments == Self.arguments)
        #expect(try decisionAudits(fixture, second.id).first?.contains("\"arguments_edited\":false") == true)
    }

    @Test("rejecting records the decision without arguments and resolves the approval")
    func reject() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let (run, approval) = try pendingApproval(fixture)
        let rejected = try fixture.approvals.decide(caller: fixture.local, id: approval.id, approve: false, reason: "wrong recipient")
        #expect(rejected.status == .rejected)
        #expect(rejected.approvedArguments == nil)
        #expect(rejected.decidedBy == "local")
        #expect(rejected.reason == "wrong recipient")
        let event = try fixture.events.read(caller: fixture.local, runID: run.id).last
        #expect(event?.data["status"] == "rejected")
        #expect(event?.data["arguments"] == nil)
        #expect(event?.data["reason"] == "wrong recipient")
        #expect(try decisionAudits(fixture, approval.id).first?.contains("\"decision\":\"rejected\"") == true)
    }

    @Test("decision input is validated: edited arguments must be an object, only when approving; reason ≤ 1024")
    func decideValidation() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let (_, approval) = try pendingApproval(fixture)
        #expect(validationIssues { _ = try fixture.approvals.decide(caller: fixture.local, id: approval.id, approve: true, arguments: "text") }
            .map(\.path) == ["$.arguments"])
        #expect(validationIssues { _ = try fixture.approvals.decide(caller: fixture.local, id: approval.id, approve: false, arguments: [:]) }
            .map(\.path) == ["$.arguments"])
        #expect(validationIssues {
            _ = try fixture.approvals.decide(caller: fixture.local, id: approval.id, approve: true, reason: String(repeating: "r", count: 1025))
        }.map(\.path) == ["$.reason"])
        #expect(validationIssues {
            _ = try fixture.approvals.decide(caller: fixture.local, id: approval.id, approve: true, arguments: [1], reason: "")
        }.map(\.path) == ["$.arguments", "$.reason"])
        #expect(try fixture.approvals.get(caller: fixture.local, id: approval.id).status == .pending)
        let longest = String(repeating: "r", count: 1024)
        #expect(try fixture.approvals.decide(caller: fixture.local, id: approval.id, approve: true, reason: longest).reason == longest)
    }

    @Test("an approval is decided once: a second decision is a conflict naming its status")
    func decideTwice() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let (run, approval) = try pendingApproval(fixture)
        try fixture.approvals.decide(caller: fixture.local, id: approval.id, approve: true)
        for approve in [true, false] {
            #expect(conflictMessage { _ = try fixture.approvals.decide(caller: fixture.local, id: approval.id, approve: approve) }?
                .contains("already approved") == true)
        }
        let (_, other) = try pendingApproval(fixture)
        try fixture.approvals.decide(caller: fixture.local, id: other.id, approve: false)
        #expect(conflictMessage { _ = try fixture.approvals.decide(caller: fixture.local, id: other.id, approve: true) }?
            .contains("already rejected") == true)
        #expect(try fixture.approvals.get(caller: fixture.local, id: approval.id).status == .approved)
        #expect(try fixture.events.read(caller: fixture.local, runID: run.id).filter { $0.type == .approvalResolved }.count == 1)
        #expect(try decisionAudits(fixture, approval.id).count == 1)
    }

    // MARK: - Expiry

    @Test("a decision just before the expiry is accepted; at the expiry it is refused and the approval is marked expired")
    func expiryBoundary() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let (_, early) = try pendingApproval(fixture, lifetime: 60_000)
        let (run, late) = try pendingApproval(fixture, lifetime: 60_000)
        fixture.clock.advance(by: 59_999)
        #expect(try fixture.approvals.decide(caller: fixture.local, id: early.id, approve: true).status == .approved)
        fixture.clock.advance(by: 1)
        let message = conflictMessage { _ = try fixture.approvals.decide(caller: fixture.local, id: late.id, approve: true) }
        #expect(message?.contains("expired at 2023-11-14T22:14:20.000Z") == true, "\(message ?? "")")
        let stored = try fixture.approvals.get(caller: fixture.local, id: late.id)
        #expect(stored.status == .expired)
        #expect(stored.approvedArguments == nil && stored.decidedBy == nil)
        #expect(stored.decidedAt == fixture.clock.milliseconds)
        let event = try fixture.events.read(caller: fixture.local, runID: run.id).last
        #expect(event?.type == .approvalResolved)
        #expect(event?.data["status"] == "expired")
        #expect(try decisionAudits(fixture, late.id, outcome: "failed").count == 1)
        // Deciding again now reports the stored state.
        #expect(conflictMessage { _ = try fixture.approvals.decide(caller: fixture.local, id: late.id, approve: false) }?
            .contains("already expired") == true)
        #expect(try fixture.auditIntact())
    }

    @Test("expireDue expires exactly the pending approvals whose time has come, in every workspace, once")
    func expireDue() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let acme = try fixture.workspace("acme")
        try fixture.addAgent("support", workspace: "acme")
        let (_, short) = try pendingApproval(fixture, lifetime: 1_000)
        let (_, long) = try pendingApproval(fixture, lifetime: 10_000)
        let (_, decided) = try pendingApproval(fixture, lifetime: 1_000)
        try fixture.approvals.decide(caller: fixture.local, id: decided.id, approve: false)
        let foreignSession = try fixture.sessions.resolve(caller: acme, agentID: "support", userReference: "u").session
        let foreignRun = try fixture.runs.create(caller: acme, sessionID: foreignSession.id, trigger: .api, input: "x")
        try fixture.runs.markRunning(id: foreignRun.id)
        let foreign = try fixture.approvals.create(
            runID: foreignRun.id, toolCallID: "t", toolName: "x", arguments: [:], expiresAt: fixture.clock.milliseconds + 500)
        #expect(try fixture.approvals.expireDue().isEmpty)
        fixture.clock.advance(by: 1_000)
        let expired = try fixture.approvals.expireDue()
        #expect(Set(expired.map(\.id)) == [short.id, foreign.id])
        #expect(expired.allSatisfy { $0.status == .expired && $0.decidedAt == fixture.clock.milliseconds })
        #expect(try fixture.approvals.expireDue().isEmpty, "nothing is expired twice")
        #expect(try fixture.approvals.get(caller: fixture.local, id: long.id).status == .pending)
        #expect(try fixture.approvals.get(caller: fixture.local, id: decided.id).status == .rejected)
        #expect(try fixture.events.read(caller: acme, runID: foreignRun.id).last?.data["status"] == "expired")
        #expect(try fixture.events.read(caller: fixture.local, runID: try #require(short.runID)).last?.data["status"] == "expired")
        fixture.clock.advance(by: 9_000)
        #expect(try fixture.approvals.expireDue().map(\.id) == [long.id])
    }

    @Test("when a run ends, its pending approvals are closed as expired with the reason")
    func runEndClosesApprovals() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let (run, approval) = try pendingApproval(fixture)
        try fixture.runs.cancel(caller: fixture.local, id: run.id, reason: "stop")
        let closed = try fixture.approvals.get(caller: fixture.local, id: approval.id)
        #expect(closed.status == .expired)
        #expect(closed.reason == "run cancelled")
        #expect(try fixture.events.read(caller: fixture.local, runID: run.id).suffix(2).map(\.type) == [.runCancelled, .approvalResolved])
        #expect(conflictMessage { _ = try fixture.approvals.decide(caller: fixture.local, id: approval.id, approve: true) }?
            .contains("already expired") == true)

        let (failing, other) = try pendingApproval(fixture)
        try fixture.runs.markFailed(id: failing.id, error: "crash")
        #expect(try fixture.approvals.get(caller: fixture.local, id: other.id).reason == "run failed")
    }

    // MARK: - List and access

    @Test("list filters by status and run, newest first, with cursor paging")
    func listing() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        var created: [Approval] = []
        for _ in 0..<5 {
            created.append(try pendingApproval(fixture).1)
            fixture.clock.advance(by: 1)
        }
        try fixture.approvals.decide(caller: fixture.local, id: created[1].id, approve: true)
        #expect(try fixture.approvals.list(caller: fixture.local).map(\.id) == created.reversed().map(\.id))
        #expect(try fixture.approvals.list(caller: fixture.local, status: .pending).count == 4)
        #expect(try fixture.approvals.list(caller: fixture.local, status: .approved).map(\.id) == [created[1].id])
        #expect(try fixture.approvals.list(caller: fixture.local, runID: created[3].runID).map(\.id) == [created[3].id])
        let first = try fixture.approvals.list(caller: fixture.local, limit: 2)
        let second = try fixture.approvals.list(caller: fixture.local, limit: 2, after: first.last?.id)
        let third = try fixture.approvals.list(caller: fixture.local, limit: 2, after: second.last?.id)
        #expect((first + second + third).map(\.id) == created.reversed().map(\.id))
        #expect(validationIssues { _ = try fixture.approvals.list(caller: fixture.local, limit: 1001) }.map(\.path) == ["$.limit"])
    }

    @Test("approvals of another workspace are not found for get and decide, and audited as denied")
    func crossWorkspace() throws {
        let fixture = try DomainFixture()
        let acme = try fixture.workspace("acme")
        try fixture.addAgent("support", workspace: "acme")
        let session = try fixture.sessions.resolve(caller: acme, agentID: "support", userReference: "u").session
        let run = try fixture.runs.create(caller: acme, sessionID: session.id, trigger: .api, input: "x")
        try fixture.runs.markRunning(id: run.id)
        let foreign = try fixture.approvals.create(runID: run.id, toolCallID: "t", toolName: "x", arguments: [:], expiresAt: fixture.clock.milliseconds + 1000)
        let expected = PlatformError.notFound(kind: .approval, id: foreign.id)
        #expect(platformError { _ = try fixture.approvals.get(caller: fixture.local, id: foreign.id) } == expected)
        #expect(platformError { _ = try fixture.approvals.decide(caller: fixture.local, id: foreign.id, approve: true) } == expected)
        #expect(try fixture.auditRows(action: "approvals.read", outcome: "denied", target: foreign.id).count == 1)
        #expect(try fixture.auditRows(action: "approvals.decide", outcome: "denied", target: foreign.id).count == 1)
        #expect(try fixture.approvals.list(caller: fixture.local).isEmpty)
        #expect(try fixture.approvals.get(caller: acme, id: foreign.id).status == .pending)
        #expect(try fixture.auditIntact())
    }

    @Test("deciding needs approvals:write and reading approvals:read, whether or not the approval exists")
    func scopes() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let (_, approval) = try pendingApproval(fixture)
        let reader = fixture.caller([.approvalsRead, .runsWrite, .agentsWrite])
        let none = fixture.caller([.runsRead])
        #expect(platformError { _ = try fixture.approvals.decide(caller: reader, id: approval.id, approve: true) } == .forbidden(.approvalsWrite))
        #expect(platformError { _ = try fixture.approvals.decide(caller: reader, id: "apr_none", approve: true) } == .forbidden(.approvalsWrite))
        #expect(platformError { _ = try fixture.approvals.get(caller: none, id: approval.id) } == .forbidden(.approvalsRead))
        #expect(platformError { _ = try fixture.approvals.list(caller: none) } == .forbidden(.approvalsRead))
        #expect(try fixture.approvals.get(caller: reader, id: approval.id).status == .pending)
        #expect(platformError { _ = try fixture.approvals.decide(caller: fixture.local, id: "apr_none", approve: true) }
            == .notFound(kind: .approval, id: "apr_none"))
    }

    @Test("an agent-restricted principal lists, reads and decides only its agents' approvals")
    func agentRestriction() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        try fixture.addAgent("billing")
        let (_, mine) = try pendingApproval(fixture, agent: "support")
        let (_, theirs) = try pendingApproval(fixture, agent: "billing")
        let restricted = fixture.caller([.approvalsRead, .approvalsWrite], agents: ["support"])
        #expect(try fixture.approvals.list(caller: restricted).map(\.id) == [mine.id])
        #expect(platformError { _ = try fixture.approvals.get(caller: restricted, id: theirs.id) } == .notFound(kind: .approval, id: theirs.id))
        #expect(platformError { _ = try fixture.approvals.decide(caller: restricted, id: theirs.id, approve: true) }
            == .notFound(kind: .approval, id: theirs.id))
        #expect(try fixture.approvals.decide(caller: restricted, id: mine.id, approve: true).status == .approved)
        #expect(try fixture.approvals.get(caller: fixture.local, id: theirs.id).status == .pending)
        let denials = try fixture.allAuditRows().filter { (try? $0.string("outcome")) == "denied" }
        #expect(denials.count == 2)
        #expect(denials.allSatisfy { (try? $0.optionalString("detail"))?.contains("outside_agent_restriction") == true })
        #expect(try fixture.auditIntact())
    }
}
