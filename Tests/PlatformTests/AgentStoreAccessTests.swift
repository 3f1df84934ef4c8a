// AgentStoreAccessTests: who may do what with agents — agents of another workspace answered
// exactly like missing ones and the attempt audited as denied, missing scopes refused (before any
// lookup) and audited, agent-restricted keys confined to their agents for create, read, list and
// sub-agent references — and the audit chain still verifying afterwards.

import JSON
import Platform
import Storage
import Testing

private func issue(_ path: String, _ reason: String) -> ValidationIssue { ValidationIssue(path: path, reason: reason) }

@Suite("AgentStore access")
struct AgentStoreAccessTests {
    /// Every operation on one existing agent id, named by the action it audits.
    static func operations(_ store: AgentStore, _ specValue: AgentSpec) -> [(String, (Caller, String) throws -> Void)] {
        [
            ("agents.read", { caller, id in _ = try store.get(caller: caller, id: id) }),
            ("agents.read", { caller, id in _ = try store.version(caller: caller, id: id, version: 1) }),
            ("agents.read", { caller, id in _ = try store.history(caller: caller, id: id) }),
            ("agents.write", { caller, id in _ = try store.update(caller: caller, id: id, spec: specValue) }),
            ("agents.write", { caller, id in _ = try store.archive(caller: caller, id: id) }),
            ("agents.write", { caller, id in _ = try store.unarchive(caller: caller, id: id) }),
            ("agents.write", { caller, id in _ = try store.pause(caller: caller, id: id) }),
            ("agents.write", { caller, id in _ = try store.resume(caller: caller, id: id) }),
        ]
    }

    @Test("an agent of another workspace is not found for every operation, and each attempt is audited as denied")
    func crossWorkspace() throws {
        let f = try AgentFixture()
        let acme = try f.workspace("acme")
        let theirs = try f.agents.create(caller: acme, id: "secret-agent", spec: try spec())
        let change = try spec([("max_steps", 2)])
        let operations = Self.operations(f.agents, change)
        for (action, operation) in operations {
            let foreign = platformError { try operation(f.local, "secret-agent") }
            let missing = platformError { try operation(f.local, "never-existed") }
            #expect(foreign == .notFound(kind: .agent, id: "secret-agent"), "\(action)")
            #expect(foreign?.description == "agent \"secret-agent\" not found")
            #expect(missing == .notFound(kind: .agent, id: "never-existed"))
        }
        let denied = try f.audit().filter { $0.outcome == "denied" }
        #expect(denied.count == operations.count, "only the foreign attempts are denials; missing ids are plain not-found")
        #expect(denied.map(\.action) == operations.map(\.0))
        for record in denied {
            #expect(record.workspaceID == "default")
            #expect(record.actor == "local")
            #expect(record.targetKind == "agent")
            #expect(record.targetID == "secret-agent")
            #expect(record.detail == #"{"reason":"not found (other_workspace)"}"#)
        }
        #expect(try f.agents.get(caller: acme, id: "secret-agent") == theirs, "the other workspace's agent is untouched")
        #expect(try f.audit("acme").map(\.action) == ["agents.create"])
        #expect(try f.auditIntact())
    }

    @Test("a missing scope is forbidden, named, audited, and answered before looking at the id")
    func missingScopes() throws {
        let f = try AgentFixture()
        try f.agents.create(caller: f.local, id: "a", spec: try spec())
        let reader = f.key([.agentsRead, .runsWrite], id: "key_reader")
        let nobody = f.key([.mcpTools], id: "key_mcp")

        #expect(platformError { try f.agents.create(caller: reader, id: "b", spec: try spec()) } == .forbidden(.agentsWrite))
        #expect(platformError { try f.agents.create(caller: reader, id: "bad id", spec: try spec()) } == .forbidden(.agentsWrite))
        for (action, operation) in Self.operations(f.agents, try spec([("max_steps", 2)])) {
            let onExisting = platformError { try operation(nobody, "a") }
            let onMissing = platformError { try operation(nobody, "ghost") }
            let scope: Scope = action == "agents.read" ? .agentsRead : .agentsWrite
            #expect(onExisting == .forbidden(scope))
            #expect(onMissing == .forbidden(scope), "the answer does not depend on whether the agent exists")
            if action == "agents.write" {
                #expect(platformError { try operation(reader, "a") } == .forbidden(.agentsWrite))
            } else {
                #expect(throws: Never.self) { try operation(reader, "a") }
            }
        }
        #expect(platformError { _ = try f.agents.list(caller: nobody) } == .forbidden(.agentsRead))
        #expect(try f.agents.get(caller: f.local, id: "a").version == 1, "nothing changed")
        #expect(try f.agents.get(caller: f.local, id: "a").status == .active)

        let denied = try f.audit().filter { $0.outcome == "denied" }
        #expect(denied.first?.action == "agents.write")
        #expect(denied.first?.actor == "key_reader")
        #expect(denied.first?.targetID == "b")
        #expect(denied.first?.detail == #"{"reason":"missing scope agents:write"}"#)
        #expect(denied.contains { $0.actor == "key_mcp" && $0.action == "agents.read" && $0.targetID == nil })
        #expect(denied.allSatisfy { $0.detail?.hasPrefix(#"{"reason":"missing scope "#) == true })
        #expect(try f.audit().filter { $0.outcome == "ok" }.map(\.action) == ["agents.create"])
        #expect(try f.auditIntact())
    }

    @Test("an agent-restricted key creates, reads and lists only its agents; others are not found and audited")
    func agentRestriction() throws {
        let f = try AgentFixture()
        try f.agents.create(caller: f.local, id: "other", spec: try spec())
        let restricted = f.key([.agentsRead, .agentsWrite], agents: ["mine", "later"], id: "key_bot")

        let mine = try f.agents.create(caller: restricted, id: "mine", spec: try spec())
        #expect(mine.version == 1)
        #expect(platformError { try f.agents.create(caller: restricted, id: "elsewhere", spec: try spec()) }
            == .notFound(kind: .agent, id: "elsewhere"))
        #expect(platformError { _ = try f.agents.get(caller: restricted, id: "other") } == .notFound(kind: .agent, id: "other"))
        #expect(platformError { _ = try f.agents.archive(caller: restricted, id: "other") } == .notFound(kind: .agent, id: "other"))
        #expect(platformError { _ = try f.agents.get(caller: restricted, id: "later") } == .notFound(kind: .agent, id: "later"))
        #expect(try f.agents.get(caller: restricted, id: "mine") == mine)
        #expect(try f.agents.list(caller: restricted, includeArchived: true).items.map(\.id) == ["mine"])
        #expect(try f.agents.list(caller: f.local).items.map(\.id) == ["mine", "other"])

        // A sub-agent outside the restriction reads exactly like a missing one.
        #expect(platformError { try f.agents.update(caller: restricted, id: "mine", spec: try spec([("sub_agents", ["other", "later"])])) }
            == .invalid([issue("$.sub_agents[0]", "agent \"other\" not found"), issue("$.sub_agents[1]", "agent \"later\" not found")]))
        try f.agents.create(caller: restricted, id: "later", spec: try spec())
        #expect(try f.agents.update(caller: restricted, id: "mine", spec: try spec([("sub_agents", ["later"])])).agent.version == 2)

        let denied = try f.audit().filter { $0.outcome == "denied" }
        #expect(denied.map(\.targetID) == ["elsewhere", "other", "other"])
        #expect(denied.allSatisfy { $0.detail == #"{"reason":"not found (outside_agent_restriction)"}"# && $0.actor == "key_bot" })
        #expect(denied.map(\.action) == ["agents.write", "agents.read", "agents.write"])
        #expect(try f.auditIntact())
    }

    @Test("an empty agent restriction lists nothing")
    func emptyRestriction() throws {
        let f = try AgentFixture()
        try f.agents.create(caller: f.local, id: "a", spec: try spec())
        let none = f.key([.agentsRead], agents: [], id: "key_none")
        #expect(try f.agents.list(caller: none).items.isEmpty)
        #expect(platformError { _ = try f.agents.get(caller: none, id: "a") } == .notFound(kind: .agent, id: "a"))
    }
}
