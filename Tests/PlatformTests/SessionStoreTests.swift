// SessionStoreTests: every rule of the seed's session-resolution table (session_id only finds,
// session_reference finds or creates, user_reference always creates, owner checks, deleted
// sessions, wrong agent, paused / archived / unknown agents), a race of concurrent resolvers of
// one new reference, version pinning, reference validation, listing with cursors, title / close
// / soft delete, workspace isolation (audited), scopes and agent restrictions.

import JSON
import Platform
import Storage
import Testing

@Suite("SessionStore")
struct SessionStoreTests {
    // MARK: - Resolution by user_reference

    @Test("user_reference alone always creates a new session owned by that user, pinning the agent's version")
    func userReferenceCreates() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support", version: 3)
        let first = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", userReference: "alice")
        let second = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", userReference: "alice")
        #expect(first.created && second.created)
        #expect(first.session.id != second.session.id)
        for session in [first.session, second.session] {
            #expect(session.id.hasPrefix("ses_"))
            #expect(session.workspaceID == "default")
            #expect(session.agentID == "support")
            #expect(session.agentVersion == 3)
            #expect(session.userReference == "alice")
            #expect(session.sessionReference == nil)
            #expect(session.status == .active)
            #expect(session.title == nil)
            #expect(session.lastEventSeq == 0)
            #expect(session.createdAt == fixture.clock.milliseconds)
            #expect(session.deletedAt == nil)
            #expect(try fixture.sessions.get(caller: fixture.local, id: session.id) == session)
        }
        let audits = try fixture.auditRows(action: "sessions.create")
        #expect(audits.map { try? $0.string("target_id") } == [first.session.id, second.session.id])
        #expect(try fixture.auditIntact())
    }

    // MARK: - Resolution by session_reference

    @Test("session_reference creates once, then finds the same session; the owner defaults to the reference")
    func sessionReferenceFindsOrCreates() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let created = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionReference: "chat-1")
        #expect(created.created)
        #expect(created.session.sessionReference == "chat-1")
        #expect(created.session.userReference == "chat-1")
        let found = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionReference: "chat-1")
        #expect(!found.created)
        #expect(found.session == created.session)
        // Finding with the owner's user_reference also works.
        let withOwner = try fixture.sessions.resolve(
            caller: fixture.local, agentID: "support", sessionReference: "chat-1", userReference: "chat-1")
        #expect(!withOwner.created && withOwner.session.id == created.session.id)
        #expect(try fixture.auditRows(action: "sessions.create").count == 1)
    }

    @Test("session_reference with user_reference creates a session owned by that user and finds it for that user")
    func sessionReferenceWithUser() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let created = try fixture.sessions.resolve(
            caller: fixture.local, agentID: "support", sessionReference: "chat-9", userReference: "bob")
        #expect(created.created)
        #expect(created.session.userReference == "bob")
        #expect(created.session.sessionReference == "chat-9")
        let again = try fixture.sessions.resolve(
            caller: fixture.local, agentID: "support", sessionReference: "chat-9", userReference: "bob")
        #expect(!again.created && again.session.id == created.session.id)
    }

    @Test("a session_reference owned by another user is refused as a conflict that does not name the owner, and audited")
    func sessionReferenceOwnerMismatch() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let owned = try fixture.sessions.resolve(
            caller: fixture.local, agentID: "support", sessionReference: "chat-9", userReference: "bob-the-owner")
        let message = conflictMessage {
            _ = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionReference: "chat-9", userReference: "mallory")
        }
        #expect(message?.contains("bob-the-owner") == false)
        #expect(message?.contains("chat-9") == true)
        let denied = try fixture.auditRows(action: "sessions.resolve", outcome: "denied", target: owned.session.id)
        #expect(denied.count == 1)
        #expect(try denied.first?.optionalString("detail")?.contains("bob-the-owner") == false)
        // Still one session with that reference.
        #expect(try fixture.sessions.list(caller: fixture.local).count == 1)
        #expect(try fixture.auditIntact())
    }

    @Test("the same session_reference names different sessions for different agents")
    func referencePerAgent() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        try fixture.addAgent("billing")
        let a = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionReference: "ref")
        let b = try fixture.sessions.resolve(caller: fixture.local, agentID: "billing", sessionReference: "ref")
        #expect(a.created && b.created)
        #expect(a.session.id != b.session.id)
        #expect(b.session.agentID == "billing")
    }

    @Test("concurrent resolvers of one new session_reference end with exactly one session")
    func referenceRace() async throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let sessions = fixture.sessions
        let caller = fixture.local
        let results = try await withThrowingTaskGroup(of: (id: String, created: Bool).self) { group in
            for _ in 0..<16 {
                group.addTask {
                    let result = try sessions.resolve(caller: caller, agentID: "support", sessionReference: "race")
                    return (result.session.id, result.created)
                }
            }
            var all: [(id: String, created: Bool)] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 16)
        #expect(Set(results.map(\.id)).count == 1)
        #expect(results.filter(\.created).count == 1)
        let stored = try fixture.database.read { connection in
            try connection.queryOne("SELECT count(*) AS n FROM sessions WHERE session_reference = 'race'")?.int64("n")
        }
        #expect(stored == 1)
    }

    @Test("the unique index allows one live session per (workspace, agent, session_reference)")
    func uniqueIndexBacksTheRule() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let session = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionReference: "dup").session
        #expect(throws: SQLiteError.self) {
            try fixture.database.write { connection in
                try connection.execute(
                    """
                    INSERT INTO sessions (id, workspace_id, agent_id, agent_version, user_reference, session_reference, status, created_at, updated_at)
                    VALUES ('ses_other', 'default', 'support', 1, 'x', 'dup', 'active', 0, 0)
                    """)
            }
        }
        #expect(session.sessionReference == "dup")
    }

    // MARK: - Resolution by session_id

    @Test("session_id finds an existing session and never creates one")
    func sessionIDFinds() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let session = try fixture.session()
        let found = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionID: session.id)
        #expect(!found.created && found.session == session)
        #expect(platformError {
            _ = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionID: "ses_missing")
        } == .notFound(kind: .session, id: "ses_missing"))
        // Even with a reference or user, a missing id does not create.
        #expect(platformError {
            _ = try fixture.sessions.resolve(
                caller: fixture.local, agentID: "support", sessionID: "ses_missing", sessionReference: "r", userReference: "u")
        } == .notFound(kind: .session, id: "ses_missing"))
        #expect(try fixture.sessions.list(caller: fixture.local).count == 1)
    }

    @Test("session_id with the owner's user_reference is found; with another user_reference it is not found, and audited")
    func sessionIDOwnerCheck() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let session = try fixture.session(user: "alice")
        let found = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionID: session.id, userReference: "alice")
        #expect(found.session.id == session.id)
        #expect(platformError {
            _ = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionID: session.id, userReference: "mallory")
        } == .notFound(kind: .session, id: session.id))
        #expect(try fixture.auditRows(action: "sessions.resolve", outcome: "denied", target: session.id).count == 1)
    }

    @Test("session_id wins over session_reference, which must then match the session's reference")
    func sessionIDWithReference() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let session = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionReference: "mine").session
        let found = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionID: session.id, sessionReference: "mine")
        #expect(!found.created && found.session.id == session.id)
        #expect(platformError {
            _ = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionID: session.id, sessionReference: "other")
        } == .notFound(kind: .session, id: session.id))
        #expect(try fixture.sessions.list(caller: fixture.local).count == 1, "no session was created for the other reference")
    }

    @Test("session_id of another agent's session is not found")
    func sessionIDWrongAgent() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        try fixture.addAgent("billing")
        let session = try fixture.session(agent: "support")
        #expect(platformError {
            _ = try fixture.sessions.resolve(caller: fixture.local, agentID: "billing", sessionID: session.id)
        } == .notFound(kind: .session, id: session.id))
    }

    @Test("a deleted session is not found by id, and its session_reference then creates a new session")
    func deletedSessions() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let old = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionReference: "reuse").session
        try fixture.sessions.delete(caller: fixture.local, id: old.id)
        #expect(platformError {
            _ = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionID: old.id)
        } == .notFound(kind: .session, id: old.id))
        #expect(platformError { _ = try fixture.sessions.get(caller: fixture.local, id: old.id) } == .notFound(kind: .session, id: old.id))
        let fresh = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionReference: "reuse")
        #expect(fresh.created)
        #expect(fresh.session.id != old.id)
        #expect(try fixture.sessions.list(caller: fixture.local).map(\.id) == [fresh.session.id])
        #expect(try fixture.auditRows(action: "sessions.delete", target: old.id).count == 1)
    }

    // MARK: - Agents

    @Test("creating for an unknown or archived agent is not found; for a paused agent it is a conflict")
    func agentStates() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("archived", archived: true)
        try fixture.addAgent("paused", status: "paused")
        for agent in ["ghost", "archived"] {
            #expect(platformError {
                _ = try fixture.sessions.resolve(caller: fixture.local, agentID: agent, userReference: "u")
            } == .notFound(kind: .agent, id: agent))
            #expect(platformError {
                _ = try fixture.sessions.resolve(caller: fixture.local, agentID: agent, sessionReference: "r")
            } == .notFound(kind: .agent, id: agent))
        }
        let message = conflictMessage {
            _ = try fixture.sessions.resolve(caller: fixture.local, agentID: "paused", userReference: "u")
        }
        #expect(message?.contains("paused") == true)
        #expect(try fixture.database.read { try $0.queryOne("SELECT count(*) AS n FROM sessions")?.int64("n") } == 0)
    }

    @Test("an existing session is still found after its agent was paused (only creation is refused)")
    func pausedAgentExistingSession() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let session = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionReference: "keep").session
        try fixture.updateAgent("support", status: "paused")
        #expect(try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionReference: "keep").session.id == session.id)
        #expect(try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionID: session.id).session.id == session.id)
        #expect(conflictMessage {
            _ = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionReference: "new-one")
        } != nil)
    }

    @Test("a session keeps the version it pinned after the agent's version changes; new sessions pin the new one")
    func pinnedVersion() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support", version: 1)
        let old = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionReference: "pin").session
        try fixture.updateAgent("support", version: 2)
        #expect(try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionReference: "pin").session.agentVersion == 1)
        #expect(try fixture.sessions.get(caller: fixture.local, id: old.id).agentVersion == 1)
        let run = try fixture.runs.create(caller: fixture.local, sessionID: old.id, trigger: .api, input: "x")
        #expect(run.agentVersion == 1)
        let fresh = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", userReference: "alice").session
        #expect(fresh.agentVersion == 2)
    }

    // MARK: - Validation

    @Test("at least one of session_id, session_reference and user_reference is required")
    func needsAnIdentifier() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let issues = validationIssues { _ = try fixture.sessions.resolve(caller: fixture.local, agentID: "support") }
        #expect(issues == [ValidationIssue(path: "$", reason: "give session_id, session_reference or user_reference")])
    }

    @Test("references must be 1–256 characters without control characters, each reported at its path")
    func referenceValidation() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let bad = ["", String(repeating: "x", count: 257), "a\nb", "tab\there", "nul\u{0}"]
        for value in bad {
            let issues = validationIssues {
                _ = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionReference: value, userReference: value)
            }
            #expect(issues.map(\.path) == ["$.session_reference", "$.user_reference"], "for \(value.debugDescription)")
        }
        let longest = String(repeating: "é", count: 256)
        let ok = try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionReference: longest, userReference: longest)
        #expect(ok.session.sessionReference == longest)
    }

    // MARK: - Read, list, change

    @Test("list returns live sessions newest first, filters by agent and user, and pages with the last id as cursor")
    func listing() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        try fixture.addAgent("billing")
        var created: [Session] = []
        for index in 0..<7 {
            let agent = index % 2 == 0 ? "support" : "billing"
            created.append(try fixture.sessions.resolve(caller: fixture.local, agentID: agent, userReference: index < 4 ? "alice" : "bob").session)
            if index % 3 == 0 { fixture.clock.advance(by: 10) }  // some share a timestamp: the id breaks ties
        }
        let all = try fixture.sessions.list(caller: fixture.local, limit: 100)
        #expect(all.count == 7)
        #expect(Set(all.map(\.id)) == Set(created.map(\.id)))
        for (newer, older) in zip(all, all.dropFirst()) {
            #expect(newer.createdAt > older.createdAt || (newer.createdAt == older.createdAt && newer.id > older.id))
        }
        // Paging with limit 3 walks the same order without gaps or repeats.
        var paged: [String] = []
        var cursor: String?
        repeat {
            let page = try fixture.sessions.list(caller: fixture.local, limit: 3, after: cursor)
            paged += page.map(\.id)
            cursor = page.count == 3 ? page.last?.id : nil
        } while cursor != nil
        #expect(paged == all.map(\.id))
        #expect(try fixture.sessions.list(caller: fixture.local, agentID: "billing").allSatisfy { $0.agentID == "billing" })
        #expect(try fixture.sessions.list(caller: fixture.local, agentID: "billing").count == 3)
        #expect(try fixture.sessions.list(caller: fixture.local, userReference: "bob").map(\.userReference) == ["bob", "bob", "bob"])
        #expect(try fixture.sessions.list(caller: fixture.local, agentID: "support", userReference: "alice").count == 2)
        try fixture.sessions.delete(caller: fixture.local, id: created[0].id)
        #expect(try fixture.sessions.list(caller: fixture.local).count == 6)
    }

    @Test("list validates its limit and cursor")
    func listValidation() throws {
        let fixture = try DomainFixture()
        for limit in [0, -1, 1001] {
            #expect(validationIssues { _ = try fixture.sessions.list(caller: fixture.local, limit: limit) }.map(\.path) == ["$.limit"])
        }
        #expect(validationIssues { _ = try fixture.sessions.list(caller: fixture.local, after: "ses_nope") }.map(\.path) == ["$.after"])
        #expect(try fixture.sessions.list(caller: fixture.local, limit: 1000).isEmpty)
    }

    @Test("setTitle sets and clears the title, validates it and is audited")
    func titles() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let session = try fixture.session()
        fixture.clock.advance(by: 5)
        let titled = try fixture.sessions.setTitle(caller: fixture.local, id: session.id, title: "Password reset")
        #expect(titled.title == "Password reset")
        #expect(titled.updatedAt == session.updatedAt + 5)
        #expect(try fixture.sessions.get(caller: fixture.local, id: session.id).title == "Password reset")
        #expect(try fixture.sessions.setTitle(caller: fixture.local, id: session.id, title: nil).title == nil)
        for bad in ["", "two\nlines", String(repeating: "t", count: 257)] {
            #expect(validationIssues { _ = try fixture.sessions.setTitle(caller: fixture.local, id: session.id, title: bad) }.map(\.path) == ["$.title"])
        }
        #expect(try fixture.auditRows(action: "sessions.update", target: session.id).count == 2)
    }

    @Test("close makes a session closed (a second close is a conflict) and no run can start in it")
    func closing() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let session = try fixture.session()
        let closed = try fixture.sessions.close(caller: fixture.local, id: session.id)
        #expect(closed.status == .closed)
        #expect(conflictMessage { _ = try fixture.sessions.close(caller: fixture.local, id: session.id) } != nil)
        #expect(conflictMessage { _ = try fixture.runs.create(caller: fixture.local, sessionID: session.id, trigger: .cli, input: "x") } != nil)
        // Resolution still finds it (the refusal comes when a run starts).
        #expect(try fixture.sessions.resolve(caller: fixture.local, agentID: "support", sessionID: session.id).session.status == .closed)
        #expect(try fixture.auditRows(action: "sessions.close", target: session.id).count == 1)
    }

    @Test("delete is refused while the session has unfinished runs and allowed once they ended")
    func deleteWithRuns() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let run = try fixture.run()
        #expect(conflictMessage { try fixture.sessions.delete(caller: fixture.local, id: run.sessionID) }?.contains("1 unfinished run") == true)
        try fixture.runs.cancel(caller: fixture.local, id: run.id)
        try fixture.sessions.delete(caller: fixture.local, id: run.sessionID)
        #expect(platformError { try fixture.sessions.delete(caller: fixture.local, id: run.sessionID) } == .notFound(kind: .session, id: run.sessionID))
        let row = try fixture.database.read { try $0.queryOne("SELECT deleted_at FROM sessions WHERE id = ?", [.text(run.sessionID)]) }
        #expect(try row?.optionalInt64("deleted_at") == fixture.clock.milliseconds, "soft delete keeps the row")
        // The run stays readable.
        #expect(try fixture.runs.get(caller: fixture.local, id: run.id).status == .cancelled)
    }

    // MARK: - Access

    @Test("sessions of another workspace are not found for every operation, and each attempt is audited as denied")
    func crossWorkspace() throws {
        let fixture = try DomainFixture()
        let acme = try fixture.workspace("acme")
        try fixture.addAgent("support", workspace: "acme")
        try fixture.addAgent("support")
        let foreign = try fixture.sessions.resolve(caller: acme, agentID: "support", sessionReference: "theirs").session
        let outsider = fixture.local
        let expected = PlatformError.notFound(kind: .session, id: foreign.id)
        #expect(platformError { _ = try fixture.sessions.get(caller: outsider, id: foreign.id) } == expected)
        #expect(platformError { _ = try fixture.sessions.resolve(caller: outsider, agentID: "support", sessionID: foreign.id) } == expected)
        #expect(platformError { _ = try fixture.sessions.setTitle(caller: outsider, id: foreign.id, title: "x") } == expected)
        #expect(platformError { _ = try fixture.sessions.close(caller: outsider, id: foreign.id) } == expected)
        #expect(platformError { try fixture.sessions.delete(caller: outsider, id: foreign.id) } == expected)
        #expect(platformError { _ = try fixture.runs.create(caller: outsider, sessionID: foreign.id, trigger: .cli, input: "x") } == expected)
        #expect(platformError { _ = try fixture.events.read(caller: outsider, sessionID: foreign.id) } == expected)
        let denials = try fixture.allAuditRows().filter {
            (try? $0.string("outcome")) == "denied" && (try? $0.optionalString("target_id")) == foreign.id
        }
        #expect(denials.count == 7)
        #expect(denials.allSatisfy { (try? $0.string("workspace_id")) == "default" })
        #expect(denials.allSatisfy { (try? $0.optionalString("detail"))?.contains("other_workspace") == true })
        // The same reference in this workspace is a different, new session; lists never cross.
        let mine = try fixture.sessions.resolve(caller: outsider, agentID: "support", sessionReference: "theirs")
        #expect(mine.created && mine.session.id != foreign.id)
        #expect(try fixture.sessions.list(caller: outsider).map(\.id) == [mine.session.id])
        #expect(try fixture.sessions.list(caller: acme).map(\.id) == [foreign.id])
        #expect(try fixture.auditIntact())
    }

    @Test("an agent that exists only in another workspace is not found, and the attempt is audited")
    func foreignAgent() throws {
        let fixture = try DomainFixture()
        _ = try fixture.workspace("acme")
        try fixture.addAgent("secret-agent", workspace: "acme")
        #expect(platformError {
            _ = try fixture.sessions.resolve(caller: fixture.local, agentID: "secret-agent", userReference: "u")
        } == .notFound(kind: .agent, id: "secret-agent"))
        let denied = try fixture.auditRows(action: "sessions.write", outcome: "denied", target: "secret-agent")
        #expect(denied.count == 1)
        #expect(try denied.first?.string("workspace_id") == "default")
    }

    @Test("missing scopes are forbidden before anything is looked up")
    func scopes() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let session = try fixture.session()
        let reader = fixture.caller([.runsRead])
        let nobody = fixture.caller([.agentsRead, .approvalsWrite])
        #expect(platformError { _ = try fixture.sessions.resolve(caller: reader, agentID: "support", userReference: "u") } == .forbidden(.runsWrite))
        #expect(platformError { _ = try fixture.sessions.setTitle(caller: reader, id: session.id, title: "t") } == .forbidden(.runsWrite))
        #expect(platformError { _ = try fixture.sessions.close(caller: reader, id: "ses_missing") } == .forbidden(.runsWrite))
        #expect(platformError { try fixture.sessions.delete(caller: reader, id: session.id) } == .forbidden(.runsWrite))
        #expect(platformError { _ = try fixture.sessions.get(caller: nobody, id: session.id) } == .forbidden(.runsRead))
        #expect(platformError { _ = try fixture.sessions.get(caller: nobody, id: "ses_missing") } == .forbidden(.runsRead))
        #expect(platformError { _ = try fixture.sessions.list(caller: nobody) } == .forbidden(.runsRead))
        #expect(try fixture.sessions.get(caller: reader, id: session.id) == session)
        let writer = fixture.caller([.runsWrite])
        #expect(try fixture.sessions.resolve(caller: writer, agentID: "support", userReference: "u").created)
        #expect(try fixture.auditRows(action: "sessions.write", outcome: "denied").count == 4)
    }

    @Test("an agent-restricted principal sees and resolves only its agents' sessions")
    func agentRestriction() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        try fixture.addAgent("billing")
        let supportSession = try fixture.session(agent: "support")
        let billingSession = try fixture.session(agent: "billing")
        let restricted = fixture.caller([.runsRead, .runsWrite], agents: ["support"])
        #expect(try fixture.sessions.list(caller: restricted).map(\.id) == [supportSession.id])
        #expect(try fixture.sessions.list(caller: restricted, agentID: "billing").isEmpty)
        #expect(try fixture.sessions.get(caller: restricted, id: supportSession.id).id == supportSession.id)
        #expect(platformError { _ = try fixture.sessions.get(caller: restricted, id: billingSession.id) } == .notFound(kind: .session, id: billingSession.id))
        #expect(platformError {
            _ = try fixture.sessions.resolve(caller: restricted, agentID: "billing", userReference: "u")
        } == .notFound(kind: .agent, id: "billing"))
        #expect(platformError {
            _ = try fixture.sessions.resolve(caller: restricted, agentID: "support", sessionID: billingSession.id)
        } == .notFound(kind: .session, id: billingSession.id))
        #expect(try fixture.sessions.resolve(caller: restricted, agentID: "support", userReference: "u").created)
        let denials = try fixture.allAuditRows().filter { (try? $0.string("outcome")) == "denied" }
        #expect(denials.count == 3)
        #expect(denials.allSatisfy { (try? $0.optionalString("detail"))?.contains("outside_agent_restriction") == true })
        #expect(try fixture.auditIntact())
    }
}
