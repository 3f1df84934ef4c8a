// AuditLogTests: the hash chain on a real file — appends link, verify finds an edited field, a
// deleted middle row, a truncated tail and a forged head; denials are recorded by AccessGate;
// listing is per workspace and needs audit:read.

import Hashing
import JSON
import Platform
import Storage
import Testing

@Suite("Audit log")
struct AuditLogTests {
    func filled(_ count: Int) throws -> (Fixture, AuditLog) {
        let fixture = try Fixture()
        let audit = AuditLog(database: fixture.database, clock: fixture.clock.clock)
        for index in 0..<count {
            fixture.clock.advance(by: 1)
            try audit.record(
                AuditEntry(action: "agents.write", targetKind: .agent, targetID: "agent\(index)", detail: ["n": .int(Int64(index))]),
                caller: .local(.cli))
        }
        return (fixture, audit)
    }

    @Test("records chain from the zero hash, numbered 1…n, and verify says intact")
    func chain() throws {
        let (fixture, audit) = try filled(5)
        #expect(try audit.verify() == .intact(records: 5))
        let records = try audit.list(caller: .local(.cli), limit: 100)
        #expect(records.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(records[0].previousHash == AuditLog.genesisHash)
        for index in 1..<records.count { #expect(records[index].previousHash == records[index - 1].hash) }
        #expect(records[2].detail == #"{"n":2}"#)
        #expect(records[2].actor == "local" && records[2].origin == "cli")
        _ = fixture
    }

    @Test("an empty log verifies as intact with zero records")
    func empty() throws {
        let fixture = try Fixture()
        #expect(try AuditLog(database: fixture.database).verify() == .intact(records: 0))
    }

    @Test("modifying any field of a record is detected at that record")
    func modified() throws {
        for column in ["actor", "action", "target_id", "detail", "outcome", "workspace_id", "origin"] {
            let (fixture, audit) = try filled(4)
            let value = column == "outcome" ? "denied" : column == "workspace_id" ? "default" : "tampered"
            // workspace_id 'default' is unchanged, so change another record's workspace instead.
            if column == "workspace_id" {
                try fixture.workspaces.create(id: "acme", name: "Acme")
                try fixture.database.write { try $0.execute("UPDATE audit_log SET workspace_id = 'acme' WHERE seq = 3") }
            } else {
                try fixture.database.write { try $0.execute("UPDATE audit_log SET \(column) = ? WHERE seq = 3", [.text(value)]) }
            }
            guard case .broken(let seq, let reason) = try audit.verify() else {
                Issue.record("tampering with \(column) not detected")
                continue
            }
            #expect(seq == 3, "column \(column)")
            #expect(reason.contains("modified"))
        }
    }

    @Test("changing a timestamp is detected")
    func timestamp() throws {
        let (fixture, audit) = try filled(3)
        try fixture.database.write { try $0.execute("UPDATE audit_log SET at = at + 1 WHERE seq = 2") }
        #expect(try audit.verify() == .broken(seq: 2, reason: "contents do not match the stored hash (the record was modified)"))
    }

    @Test("deleting a middle record is detected as a gap")
    func deletedMiddle() throws {
        let (fixture, audit) = try filled(5)
        try fixture.database.write { try $0.execute("DELETE FROM audit_log WHERE seq = 2") }
        #expect(try audit.verify() == .broken(seq: 2, reason: "record missing (next present is 3)"))
    }

    @Test("deleting a record and renumbering the rest is still detected by the broken link")
    func deletedAndRenumbered() throws {
        let (fixture, audit) = try filled(5)
        try fixture.database.write { connection in
            try connection.execute("DELETE FROM audit_log WHERE seq = 3")
            try connection.execute("UPDATE audit_log SET seq = seq - 1 WHERE seq > 3")
        }
        guard case .broken(let seq, let reason) = try audit.verify() else {
            Issue.record("renumbered deletion not detected")
            return
        }
        #expect(seq == 3)
        #expect(reason.contains("link") || reason.contains("modified"))
    }

    @Test("truncating the tail is detected through the head")
    func truncatedTail() throws {
        let (fixture, audit) = try filled(5)
        try fixture.database.write { try $0.execute("DELETE FROM audit_log WHERE seq >= 4") }
        guard case .broken(let seq, let reason) = try audit.verify() else {
            Issue.record("truncation not detected")
            return
        }
        #expect(seq == 4)
        #expect(reason.contains("removed from the end"))
    }

    @Test("a record rewritten with a recomputed hash still breaks the next link")
    func forgedHash() throws {
        let (fixture, audit) = try filled(4)
        try fixture.database.write { connection in
            try connection.execute("UPDATE audit_log SET actor = 'someone', hash = ? WHERE seq = 2", [.blob(SHA256.hash("forged"))])
        }
        guard case .broken(let seq, _) = try audit.verify() else {
            Issue.record("forged record not detected")
            return
        }
        #expect(seq == 2)
    }

    @Test("listing shows only the caller's workspace, pages with after, and needs audit:read")
    func listing() throws {
        let fixture = try Fixture()
        try fixture.workspaces.create(id: "acme", name: "Acme")
        let audit = AuditLog(database: fixture.database, clock: fixture.clock.clock)
        let acme = Caller(principal: .local(workspace: "acme"), origin: .cli)
        try audit.record(AuditEntry(action: "a"), caller: .local(.cli))
        try audit.record(AuditEntry(action: "b"), caller: acme)
        try audit.record(AuditEntry(action: "c"), caller: .local(.cli))
        #expect(try audit.list(caller: .local(.cli)).map(\.action) == ["a", "c"])
        #expect(try audit.list(caller: acme).map(\.action) == ["b"])
        #expect(try audit.list(caller: .local(.cli), after: 1).map(\.action) == ["c"])
        #expect(throws: PlatformError.invalid("$.limit", "must be between 1 and 1000 (got 0)")) {
            try audit.list(caller: .local(.cli), limit: 0)
        }
        let reader = Caller(principal: Principal(workspaceID: "default", keyID: "key_x", scopes: [.runsRead], agentIDs: nil), origin: .http)
        #expect(throws: PlatformError.forbidden(.auditRead)) { try audit.list(caller: reader) }
        // The refusal itself was recorded, and the chain (global, across workspaces) is intact.
        let last = try audit.list(caller: .local(.cli)).last
        #expect(last?.action == "audit.read" && last?.outcome == "denied" && last?.actor == "key_x")
        #expect(try audit.verify() == .intact(records: 4))
    }

    @Test("AccessGate audits denials with their true cause but answers not found / forbidden")
    func gate() throws {
        let fixture = try Fixture()
        let audit = AuditLog(database: fixture.database, clock: fixture.clock.clock)
        let gate = AccessGate(audit: audit)
        let caller = Caller(principal: Principal(workspaceID: "default", keyID: "key_r", scopes: [.agentsRead], agentIDs: ["mine"]), origin: .http)
        try gate.check(caller, .readAgents, .agent("mine", workspace: "default"))
        #expect(throws: PlatformError.notFound(kind: .agent, id: "other")) {
            try gate.check(caller, .readAgents, .agent("other", workspace: "default"))
        }
        #expect(throws: PlatformError.notFound(kind: .agent, id: "mine")) {
            try gate.check(caller, .readAgents, .agent("mine", workspace: "acme"))
        }
        #expect(throws: PlatformError.forbidden(.agentsWrite)) {
            try gate.check(caller, .writeAgents, .agent("mine", workspace: "default"))
        }
        let records = try audit.list(caller: .local(.cli))
        #expect(records.map(\.outcome) == ["denied", "denied", "denied"])
        #expect(records.compactMap(\.detail) == [
            #"{"reason":"not found (outside_agent_restriction)"}"#,
            #"{"reason":"not found (other_workspace)"}"#,
            #"{"reason":"missing scope agents:write"}"#,
        ])
        #expect(PlatformError.notFound(kind: .agent, id: "x").description == "agent \"x\" not found")
    }
}
