// EventLogTests: per-session numbering (1, 2, 3, … with no gap or duplicate, even with concurrent
// appenders), batches (one contiguous range, all or nothing), append-only enforcement by the
// database itself, "after N" reads with limits, run-scoped reads, payload round trips, and the
// access rules of reading.

import JSON
import Platform
import Storage
import Testing

@Suite("EventLog")
struct EventLogTests {
    @Test("appends are numbered 1, 2, 3 per session and the session's counter follows")
    func numbering() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let a = try fixture.session()
        let b = try fixture.session()
        #expect(try fixture.events.append(sessionID: a.id, type: .messageDelta, data: ["text": "He"]) == 1)
        #expect(try fixture.events.append(sessionID: a.id, type: .messageDelta, data: ["text": "llo"]) == 2)
        #expect(try fixture.events.append(sessionID: b.id, type: .authRequired, data: ["server": "github"]) == 1)
        #expect(try fixture.events.append(sessionID: a.id, type: .messageCompleted, data: ["text": "Hello"]) == 3)
        #expect(try fixture.sessions.get(caller: fixture.local, id: a.id).lastEventSeq == 3)
        #expect(try fixture.sessions.get(caller: fixture.local, id: b.id).lastEventSeq == 1)
        let log = try fixture.events.read(caller: fixture.local, sessionID: a.id)
        #expect(log.map(\.seq) == [1, 2, 3])
        #expect(log.map(\.type) == [.messageDelta, .messageDelta, .messageCompleted])
        #expect(log[2].data == ["text": "Hello"])
        #expect(log.allSatisfy { $0.sessionID == a.id && $0.runID == nil && $0.createdAt == fixture.clock.milliseconds })
    }

    @Test("every event type round-trips with its exact wire name and arbitrary JSON payloads")
    func typesAndPayloads() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let session = try fixture.session()
        let payload: JSONValue = ["nested": ["list": [1, 2.5, "ünïcödé ✓", nil, true]], "empty": [:], "quote": "\"\\\n"]
        for type in EventType.allCases {
            try fixture.events.append(sessionID: session.id, type: type, data: payload)
        }
        let log = try fixture.events.read(caller: fixture.local, sessionID: session.id)
        #expect(log.map(\.type) == EventType.allCases)
        #expect(log.allSatisfy { $0.data == payload })
        #expect(EventType.allCases.map(\.rawValue) == [
            "run.started", "message.delta", "message.completed", "tool.call", "tool.result", "approval.requested",
            "approval.resolved", "auth.required", "run.completed", "run.failed", "run.cancelled",
        ])
        let stored = try fixture.database.read { try $0.query("SELECT type FROM events ORDER BY seq").compactMap { try? $0.string("type") } }
        #expect(stored == EventType.allCases.map(\.rawValue))
    }

    @Test("4 tasks × 250 concurrent appends to one session yield exactly 1…1000")
    func concurrentAppends() async throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let session = try fixture.session()
        let events = fixture.events
        let sessionID = session.id
        let returned = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for task in 0..<4 {
                group.addTask {
                    var numbers: [Int64] = []
                    for index in 0..<250 {
                        numbers.append(try events.append(sessionID: sessionID, type: .messageDelta, data: ["task": .int(Int64(task)), "i": .int(Int64(index))]))
                    }
                    return numbers
                }
            }
            var all: [Int64] = []
            for try await numbers in group {
                #expect(numbers == numbers.sorted(), "one task's appends are numbered in its order")
                all += numbers
            }
            return all
        }
        #expect(returned.sorted() == Array(1...1000))
        let stored = try fixture.database.read { connection in
            try connection.query("SELECT seq FROM events WHERE session_id = ? ORDER BY seq", [.text(sessionID)]).map { try $0.int64("seq") }
        }
        #expect(stored == Array(1...1000))
        #expect(try fixture.sessions.get(caller: fixture.local, id: sessionID).lastEventSeq == 1000)
    }

    @Test("concurrent batches and single appends on two sessions keep each session's numbering contiguous")
    func concurrentBatches() async throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let sessionIDs = [try fixture.session().id, try fixture.session().id]
        let events = fixture.events
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    for round in 0..<25 {
                        let sessionID = sessionIDs[(task + round) % 2]
                        if task % 2 == 0 {
                            let batch = (0..<4).map { _ in (runID: String?.none, type: EventType.messageDelta, data: JSONValue.string("d")) }
                            let range = try events.append(batch: batch, sessionID: sessionID)
                            #expect(range.count == 4)
                        } else {
                            try events.append(sessionID: sessionID, type: .toolCall, data: ["round": .int(Int64(round))])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        var total = 0
        for sessionID in sessionIDs {
            let seqs = try fixture.events.read(caller: fixture.local, sessionID: sessionID, limit: 1000).map(\.seq)
            #expect(seqs == Array(1...Int64(seqs.count)))
            total += seqs.count
        }
        #expect(total == 2 * 25 * 4 + 2 * 25)
    }

    @Test("a batch gets one contiguous range in order; an empty batch or a foreign run leaves nothing behind")
    func batches() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let run = try fixture.run()
        let otherRun = try fixture.run()
        try fixture.events.append(sessionID: run.sessionID, type: .toolCall, data: [:])
        let range = try fixture.events.append(
            batch: [
                (runID: run.id, type: .messageDelta, data: "a"), (runID: run.id, type: .messageDelta, data: "b"),
                (runID: nil, type: .messageCompleted, data: "ab"),
            ],
            sessionID: run.sessionID)
        #expect(range == 2...4)
        let log = try fixture.events.read(caller: fixture.local, sessionID: run.sessionID, after: 1)
        #expect(log.map(\.data) == ["a", "b", "ab"])
        #expect(log.map(\.runID) == [run.id, run.id, nil])
        #expect(validationIssues { _ = try fixture.events.append(batch: [], sessionID: run.sessionID) }.map(\.path) == ["$"])
        // A run of another session in the middle of a batch: the whole batch is refused.
        let issues = validationIssues {
            _ = try fixture.events.append(
                batch: [(runID: run.id, type: .messageDelta, data: "c"), (runID: otherRun.id, type: .messageDelta, data: "d")],
                sessionID: run.sessionID)
        }
        #expect(issues.map(\.path) == ["$.run_id"])
        #expect(validationIssues { _ = try fixture.events.append(sessionID: run.sessionID, runID: "run_nope", type: .toolCall) }.map(\.path) == ["$.run_id"])
        #expect(try fixture.sessions.get(caller: fixture.local, id: run.sessionID).lastEventSeq == 4)
        #expect(try fixture.events.read(caller: fixture.local, sessionID: run.sessionID).count == 4)
        #expect(try fixture.events.append(sessionID: run.sessionID, type: .toolResult) == 5, "no number was lost")
    }

    @Test("appending to a missing or deleted session is refused as not found")
    func appendToMissing() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let session = try fixture.session()
        try fixture.events.append(sessionID: session.id, type: .messageCompleted)
        try fixture.sessions.delete(caller: fixture.local, id: session.id)
        for id in ["ses_missing", session.id] {
            #expect(platformError { _ = try fixture.events.append(sessionID: id, type: .messageDelta) } == .notFound(kind: .session, id: id))
            #expect(platformError { _ = try fixture.events.append(batch: [(nil, .messageDelta, "x")], sessionID: id) } == .notFound(kind: .session, id: id))
        }
        #expect(platformError { _ = try fixture.events.read(caller: fixture.local, sessionID: session.id) } == .notFound(kind: .session, id: session.id))
    }

    @Test("the database refuses UPDATE and DELETE on events")
    func appendOnly() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let session = try fixture.session()
        try fixture.events.append(sessionID: session.id, type: .messageCompleted, data: ["text": "original"])
        for sql in [
            "UPDATE events SET data = '{\"text\":\"forged\"}' WHERE session_id = ?",
            "UPDATE events SET seq = 7 WHERE session_id = ?",
            "DELETE FROM events WHERE session_id = ?",
        ] {
            let error = #expect(throws: SQLiteError.self) {
                try fixture.database.write { connection in try connection.execute(sql, [.text(session.id)]) }
            }
            #expect(error?.message.contains("events are append-only") == true)
        }
        #expect(try fixture.events.read(caller: fixture.local, sessionID: session.id).map(\.data) == [["text": "original"]])
    }

    @Test("reads resume after N, respect the limit and validate both")
    func readAfter() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let session = try fixture.session()
        let range = try fixture.events.append(
            batch: (1...30).map { (runID: nil, type: .messageDelta, data: .int(Int64($0))) }, sessionID: session.id)
        #expect(range == 1...30)
        #expect(try fixture.events.read(caller: fixture.local, sessionID: session.id, after: 0, limit: 10).map(\.seq) == Array(1...10))
        #expect(try fixture.events.read(caller: fixture.local, sessionID: session.id, after: 25, limit: 10).map(\.seq) == Array(26...30))
        #expect(try fixture.events.read(caller: fixture.local, sessionID: session.id, after: 30).isEmpty)
        #expect(try fixture.events.read(caller: fixture.local, sessionID: session.id, after: 99).isEmpty)
        #expect(try fixture.events.read(caller: fixture.local, sessionID: session.id, limit: 1000).count == 30)
        let issues = validationIssues { _ = try fixture.events.read(caller: fixture.local, sessionID: session.id, after: -1, limit: 0) }
        #expect(issues.map(\.path) == ["$.after", "$.limit"])
        #expect(validationIssues { _ = try fixture.events.read(caller: fixture.local, sessionID: session.id, limit: 1001) }.map(\.path) == ["$.limit"])
        #expect(validationIssues { _ = try fixture.events.read(caller: fixture.local, runID: "run_x", after: -5) }.map(\.path) == ["$.after"])
    }

    @Test("reading by run returns only that run's events of the shared session log, after N")
    func readByRun() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        let session = try fixture.session()
        let first = try fixture.runs.create(caller: fixture.local, sessionID: session.id, trigger: .cli, input: "1")
        let second = try fixture.runs.create(caller: fixture.local, sessionID: session.id, trigger: .cli, input: "2")
        try fixture.runs.markRunning(id: first.id)                                                   // 1
        try fixture.events.append(sessionID: session.id, runID: first.id, type: .messageDelta, data: "x")  // 2
        try fixture.runs.markRunning(id: second.id)                                                  // 3
        try fixture.events.append(sessionID: session.id, runID: second.id, type: .toolCall, data: "y")     // 4
        try fixture.runs.markCompleted(id: first.id, output: "done")                                 // 5
        #expect(try fixture.events.read(caller: fixture.local, runID: first.id).map(\.seq) == [1, 2, 5])
        #expect(try fixture.events.read(caller: fixture.local, runID: second.id).map(\.seq) == [3, 4])
        #expect(try fixture.events.read(caller: fixture.local, runID: first.id, after: 2).map(\.type) == [.runCompleted])
        #expect(try fixture.events.read(caller: fixture.local, runID: first.id, limit: 1).map(\.seq) == [1])
        #expect(platformError { _ = try fixture.events.read(caller: fixture.local, runID: "run_none") } == .notFound(kind: .run, id: "run_none"))
    }

    @Test("reading needs runs:read; restricted principals read only their agents' sessions")
    func readAccess() throws {
        let fixture = try DomainFixture()
        try fixture.addAgent("support")
        try fixture.addAgent("billing")
        let mine = try fixture.session(agent: "support")
        let theirs = try fixture.session(agent: "billing")
        try fixture.events.append(sessionID: mine.id, type: .messageCompleted)
        try fixture.events.append(sessionID: theirs.id, type: .messageCompleted)
        #expect(platformError { _ = try fixture.events.read(caller: fixture.caller([.runsWrite]), sessionID: mine.id) } == .forbidden(.runsRead))
        #expect(platformError { _ = try fixture.events.read(caller: fixture.caller([.runsWrite]), sessionID: "ses_none") } == .forbidden(.runsRead))
        let restricted = fixture.caller([.runsRead], agents: ["support"])
        #expect(try fixture.events.read(caller: restricted, sessionID: mine.id).count == 1)
        #expect(platformError { _ = try fixture.events.read(caller: restricted, sessionID: theirs.id) } == .notFound(kind: .session, id: theirs.id))
        let denied = try fixture.auditRows(action: "sessions.read", outcome: "denied")
        #expect(denied.count == 3)
        #expect(try denied.last?.optionalString("target_id") == theirs.id)
        #expect(try fixture.auditIntact())
    }
}
