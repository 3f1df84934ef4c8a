// AgentStoreTests: creating and versioning agents on a real SQLite file — version 1 and its
// stored canonical config, every update as a new full version with history kept, no-op updates,
// optimistic concurrency, references to upstream servers and sub-agents, credential_refs kept in
// step, listing with pages and filters, and the audit records of every mutation.

import JSON
import Platform
import Storage
import Testing

private func issue(_ path: String, _ reason: String) -> ValidationIssue { ValidationIssue(path: path, reason: reason) }

@Suite("AgentStore")
struct AgentStoreTests {
    @Test("create stores version 1 with the canonical config, the live row, and one audit record")
    func create() throws {
        let f = try AgentFixture()
        try f.addServers("github")
        let config = try spec([("bindings", [bindingJSON("github", [("allowed_tools", ["get_*"])])])])
        let caller = f.key([.agentsWrite, .agentsRead], id: "key_ci")
        let agent = try f.agents.create(caller: caller, id: "support", spec: config)
        #expect(agent.id == "support")
        #expect(agent.workspaceID == "default")
        #expect(agent.version == 1)
        #expect(agent.status == .active)
        #expect(agent.archivedAt == nil)
        #expect(agent.createdAt == f.clock.milliseconds)
        #expect(agent.updatedAt == f.clock.milliseconds)
        #expect(agent.spec == config)
        #expect(try f.agents.get(caller: caller, id: "support") == agent)

        let row = try #require(try f.database.read { connection in
            try connection.queryOne("SELECT * FROM agent_versions WHERE workspace_id = 'default' AND agent_id = 'support'")
        })
        #expect(try row.int("version") == 1)
        #expect(try row.string("config") == config.canonicalText)
        #expect(try row.string("created_by") == "key_ci")
        #expect(try row.int64("created_at") == f.clock.milliseconds)

        let records = try f.audit()
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.action == "agents.create")
        #expect(record.targetKind == "agent")
        #expect(record.targetID == "support")
        #expect(record.outcome == "ok")
        #expect(record.actor == "key_ci")
        #expect(record.origin == "http")
        #expect(record.detail == #"{"version":1}"#)
        #expect(try f.auditIntact())
    }

    @Test("the id must be a slug: the issue is at $.id and nothing is written")
    func badID() throws {
        let f = try AgentFixture()
        for id in ["", "has space", "ünï", String(repeating: "a", count: 65), "a/b"] {
            let error = platformError { try f.agents.create(caller: f.local, id: id, spec: try spec()) }
            #expect(error == .invalid([issue("$.id", "must be 1–64 of A–Z a–z 0–9 _ - (got \(JSONWriter.string(.string(id))))")]), "\(id)")
        }
        #expect(try f.agents.create(caller: f.local, id: String(repeating: "a", count: 64), spec: try spec()).version == 1)
        #expect(try f.audit().count == 1)
    }

    @Test("an id already used in the workspace is a conflict, archived or not; other workspaces may reuse it")
    func duplicateID() throws {
        let f = try AgentFixture()
        try f.agents.create(caller: f.local, id: "a", spec: try spec())
        #expect(platformError { try f.agents.create(caller: f.local, id: "a", spec: try spec()) }
            == .conflict("agent \"a\" already exists in workspace \"default\""))
        try f.agents.archive(caller: f.local, id: "a")
        #expect(platformError { try f.agents.create(caller: f.local, id: "a", spec: try spec()) }
            == .conflict("agent \"a\" already exists in workspace \"default\" (archived: unarchive it or choose another id)"))
        let acme = try f.workspace("acme")
        #expect(try f.agents.create(caller: acme, id: "a", spec: try spec()).workspaceID == "acme")
        #expect(try f.audit().map(\.action) == ["agents.create", "agents.archive"])
    }

    @Test("bound upstream servers must exist in the workspace; every missing one is reported at its binding")
    func missingServers() throws {
        let f = try AgentFixture()
        try f.addServers("github")
        try f.addServers("jira", workspace: "default")
        _ = try f.workspace("acme")
        try f.addServers("slack", workspace: "acme")
        let config = try spec([("bindings", [bindingJSON("github"), bindingJSON("slack"), bindingJSON("jira"), bindingJSON("linear")])])
        let error = platformError { try f.agents.create(caller: f.local, id: "a", spec: config) }
        #expect(error == .invalid([
            issue("$.bindings[1].server", "upstream server \"slack\" not found"),
            issue("$.bindings[3].server", "upstream server \"linear\" not found"),
        ]))
        #expect(error?.description == "$.bindings[1].server: upstream server \"slack\" not found; $.bindings[3].server: upstream server \"linear\" not found")
        let count = try f.database.read { connection in try connection.queryOne("SELECT count(*) AS n FROM agents")?.int("n") }
        #expect(count == 0)
        #expect(try f.audit().isEmpty)
    }

    @Test("sub-agents must be live agents of the workspace and not the agent itself")
    func subAgentReferences() throws {
        let f = try AgentFixture()
        try f.addServers("github")
        try f.agents.create(caller: f.local, id: "live", spec: try spec())
        try f.agents.create(caller: f.local, id: "old", spec: try spec())
        try f.agents.archive(caller: f.local, id: "old")
        let acme = try f.workspace("acme")
        try f.agents.create(caller: acme, id: "theirs", spec: try spec())
        let config = try spec([
            ("bindings", [bindingJSON("nope")]),
            ("sub_agents", ["live", "old", "theirs", "me", "ghost"]),
        ])
        #expect(platformError { try f.agents.create(caller: f.local, id: "me", spec: config) } == .invalid([
            issue("$.bindings[0].server", "upstream server \"nope\" not found"),
            issue("$.sub_agents[1]", "agent \"old\" is archived"),
            issue("$.sub_agents[2]", "agent \"theirs\" not found"),
            issue("$.sub_agents[3]", "an agent cannot be its own sub-agent"),
            issue("$.sub_agents[4]", "agent \"ghost\" not found"),
        ]))
        let good = try f.agents.create(caller: f.local, id: "me", spec: try spec([("sub_agents", ["live"])]))
        #expect(good.spec.subAgents == ["live"])
        #expect(platformError { try f.agents.update(caller: f.local, id: "me", spec: try spec([("sub_agents", ["me"])])) }
            == .invalid([issue("$.sub_agents[0]", "an agent cannot be its own sub-agent")]))
    }

    // MARK: - Versions

    @Test("every changing update bumps the version, keeps the full previous configs, and get version N returns them")
    func versions() throws {
        let f = try AgentFixture()
        try f.addServers("github", "jira")
        let v1 = try spec()
        let v2 = try spec([("bindings", [bindingJSON("github", [("allowed_tools", ["*"]), ("timeout_s", 30)])]), ("max_steps", 20)])
        let v3 = try spec([("name", "Renamed"), ("bindings", [bindingJSON("jira")])])
        let created = try f.agents.create(caller: f.local, id: "a", spec: v1)
        f.clock.advance(by: 1000)
        let second = try f.agents.update(caller: f.key([.agentsWrite], id: "key_2"), id: "a", spec: v2)
        #expect(second.changed)
        #expect(second.agent.version == 2)
        #expect(second.agent.spec == v2)
        #expect(second.agent.createdAt == created.createdAt)
        #expect(second.agent.updatedAt == created.createdAt + 1000)
        f.clock.advance(by: 1000)
        let third = try f.agents.update(caller: f.local, id: "a", spec: v3, expectedVersion: 2)
        #expect(third.agent.version == 3)

        #expect(try f.agents.get(caller: f.local, id: "a").spec == v3)
        #expect(try f.agents.get(caller: f.local, id: "a").version == 3)
        let history = try f.agents.history(caller: f.local, id: "a")
        #expect(history.map(\.version) == [3, 2, 1])
        #expect(history.map(\.spec) == [v3, v2, v1])
        #expect(history.map(\.createdBy) == ["local", "key_2", "local"])
        #expect(history.map(\.createdAt) == [created.createdAt + 2000, created.createdAt + 1000, created.createdAt])
        #expect(try f.agents.version(caller: f.local, id: "a", version: 2) == history[1])
        #expect(try f.agents.version(caller: f.local, id: "a", version: 1).spec == v1)

        let missing = platformError { _ = try f.agents.version(caller: f.local, id: "a", version: 7) }
        #expect(missing == .notFound(kind: .agent, id: "a@v7"))
        #expect(missing?.description == "agent \"a@v7\" not found")

        let records = try f.audit()
        #expect(records.map(\.action) == ["agents.create", "agents.update", "agents.update"])
        #expect(records[1].detail == #"{"changed":["max_steps","bindings"],"version":2}"#)
        #expect(records[2].detail == #"{"changed":["name","max_steps","bindings"],"version":3}"#)
    }

    @Test("an update with the same spec writes nothing: same version, no audit record, updated_at unchanged")
    func noOpUpdate() throws {
        let f = try AgentFixture()
        let created = try f.agents.create(caller: f.local, id: "a", spec: try spec([("max_steps", 10)]))
        f.clock.advance(by: 5000)
        // Same value, different spelling: explicit default vs omitted.
        let result = try f.agents.update(caller: f.local, id: "a", spec: try spec(), expectedVersion: 1)
        #expect(!result.changed)
        #expect(result.agent == created)
        #expect(try f.agents.history(caller: f.local, id: "a").count == 1)
        #expect(try f.audit().map(\.action) == ["agents.create"])
    }

    @Test("expectedVersion must match the current version")
    func expectedVersionConflict() throws {
        let f = try AgentFixture()
        try f.agents.create(caller: f.local, id: "a", spec: try spec())
        try f.agents.update(caller: f.local, id: "a", spec: try spec([("max_steps", 2)]))
        let error = platformError { try f.agents.update(caller: f.local, id: "a", spec: try spec([("max_steps", 3)]), expectedVersion: 1) }
        #expect(error == .conflict("agent \"a\" is at version 2, not 1"))
        // Also for a no-op: the caller's premise is wrong either way.
        #expect(platformError { try f.agents.update(caller: f.local, id: "a", spec: try spec([("max_steps", 2)]), expectedVersion: 5) }
            == .conflict("agent \"a\" is at version 2, not 5"))
        #expect(try f.agents.get(caller: f.local, id: "a").version == 2)
        #expect(try f.agents.update(caller: f.local, id: "a", spec: try spec([("max_steps", 3)]), expectedVersion: 2).agent.version == 3)
    }

    @Test("update of a missing agent is not found; an update with bad references writes nothing")
    func updateFailures() throws {
        let f = try AgentFixture()
        #expect(platformError { try f.agents.update(caller: f.local, id: "ghost", spec: try spec()) } == .notFound(kind: .agent, id: "ghost"))
        try f.agents.create(caller: f.local, id: "a", spec: try spec())
        #expect(platformError { try f.agents.update(caller: f.local, id: "a", spec: try spec([("bindings", [bindingJSON("x")])])) }
            == .invalid([issue("$.bindings[0].server", "upstream server \"x\" not found")]))
        #expect(try f.agents.get(caller: f.local, id: "a").version == 1)
        #expect(try f.audit().map(\.action) == ["agents.create"])
    }

    // MARK: - Credential references

    @Test("credential_refs list exactly the credentials of the current version; archive drops them, unarchive restores them")
    func credentialRefs() throws {
        let f = try AgentFixture()
        try f.addServers("github", "jira")
        let both = try spec([("bindings", [
            bindingJSON("github", [("override_headers", ["Authorization": "Bearer ${credential:gh}", "X-Org": "${credential:org}${credential:gh}"])]),
            bindingJSON("jira", [("override_headers", ["Authorization": "Basic ${credential:jira}"])]),
        ])])
        try f.agents.create(caller: f.local, id: "a", spec: both)
        try f.agents.create(caller: f.local, id: "b", spec: try spec([("bindings", [
            bindingJSON("github", [("override_headers", ["Authorization": "Bearer ${credential:gh}"])]),
        ])]))
        #expect(try f.credentialRefs() == ["a:gh", "a:jira", "a:org", "b:gh"])

        try f.agents.update(caller: f.local, id: "a", spec: try spec([("bindings", [
            bindingJSON("jira", [("override_headers", ["Authorization": "Basic ${credential:jira}"])]),
        ])]))
        #expect(try f.credentialRefs() == ["a:jira", "b:gh"])
        try f.agents.pause(caller: f.local, id: "a")
        #expect(try f.credentialRefs() == ["a:jira", "b:gh"])
        try f.agents.archive(caller: f.local, id: "a")
        #expect(try f.credentialRefs() == ["b:gh"])
        try f.agents.unarchive(caller: f.local, id: "a")
        #expect(try f.credentialRefs() == ["a:jira", "b:gh"])
        try f.agents.update(caller: f.local, id: "a", spec: try spec())
        #expect(try f.credentialRefs() == ["b:gh"])
        let kinds = try f.database.read { connection in
            try connection.query("SELECT DISTINCT referrer_kind FROM credential_refs").map { try $0.string("referrer_kind") }
        }
        #expect(kinds == ["agent"])
    }

    // MARK: - Lifecycle

    @Test("archive, unarchive, pause and resume change state, are idempotent and audited once per change")
    func lifecycle() throws {
        let f = try AgentFixture()
        let created = try f.agents.create(caller: f.local, id: "a", spec: try spec())
        f.clock.advance(by: 10)
        let paused = try f.agents.pause(caller: f.local, id: "a")
        #expect(paused.status == .paused)
        #expect(paused.version == 1)
        #expect(paused.updatedAt == created.createdAt + 10)
        #expect(try f.agents.pause(caller: f.local, id: "a") == paused)
        // A paused agent can still be updated; its status is kept.
        let updated = try f.agents.update(caller: f.local, id: "a", spec: try spec([("max_steps", 3)])).agent
        #expect(updated.status == .paused)
        #expect(updated.version == 2)
        f.clock.advance(by: 10)
        let resumed = try f.agents.resume(caller: f.local, id: "a")
        #expect(resumed.status == .active)
        #expect(try f.agents.resume(caller: f.local, id: "a") == resumed)

        f.clock.advance(by: 10)
        let archived = try f.agents.archive(caller: f.local, id: "a")
        #expect(archived.archivedAt == f.clock.milliseconds)
        #expect(archived.isArchived)
        #expect(archived.version == 2)
        f.clock.advance(by: 10)
        #expect(try f.agents.archive(caller: f.local, id: "a") == archived, "archiving again keeps the first time")
        #expect(try f.agents.get(caller: f.local, id: "a") == archived, "archived agents stay readable")
        #expect(platformError { try f.agents.pause(caller: f.local, id: "a") } == .conflict("agent \"a\" is archived; unarchive it first"))
        #expect(platformError { try f.agents.resume(caller: f.local, id: "a") } == .conflict("agent \"a\" is archived; unarchive it first"))
        #expect(platformError { try f.agents.update(caller: f.local, id: "a", spec: try spec()) }
            == .conflict("agent \"a\" is archived; unarchive it before updating"))

        let restored = try f.agents.unarchive(caller: f.local, id: "a")
        #expect(restored.archivedAt == nil)
        #expect(restored.version == 2)
        #expect(restored.status == .active)
        #expect(try f.agents.unarchive(caller: f.local, id: "a") == restored)
        #expect(try f.agents.history(caller: f.local, id: "a").count == 2, "lifecycle changes create no versions")

        #expect(try f.audit().map(\.action) == [
            "agents.create", "agents.pause", "agents.update", "agents.resume", "agents.archive", "agents.unarchive",
        ])
        #expect(try f.auditIntact())
        for operation in [f.agents.archive, f.agents.unarchive, f.agents.pause, f.agents.resume] {
            #expect(platformError { _ = try operation(f.local, "ghost") } == .notFound(kind: .agent, id: "ghost"))
        }
    }

    // MARK: - List

    @Test("list orders by id, pages with a cursor, hides archived agents unless asked, and checks the limit")
    func list() throws {
        let f = try AgentFixture()
        for id in ["d", "b", "a", "e", "c"] { try f.agents.create(caller: f.local, id: id, spec: try spec()) }
        try f.agents.archive(caller: f.local, id: "c")
        let acme = try f.workspace("acme")
        try f.agents.create(caller: acme, id: "aa", spec: try spec())

        #expect(try f.agents.list(caller: f.local).items.map(\.id) == ["a", "b", "d", "e"])
        #expect(try f.agents.list(caller: f.local).nextCursor == nil)
        #expect(try f.agents.list(caller: f.local, includeArchived: true).items.map(\.id) == ["a", "b", "c", "d", "e"])

        let first = try f.agents.list(caller: f.local, limit: 2)
        #expect(first.items.map(\.id) == ["a", "b"])
        #expect(first.nextCursor == "b")
        let second = try f.agents.list(caller: f.local, limit: 2, after: first.nextCursor)
        #expect(second.items.map(\.id) == ["d", "e"])
        #expect(second.nextCursor == nil, "exactly limit items left: no further page")
        #expect(try f.agents.list(caller: f.local, limit: 200, after: "e").items.isEmpty)
        #expect(try f.agents.list(caller: acme).items.map(\.id) == ["aa"])
        #expect(try f.agents.list(caller: f.local).items.first?.spec == (try spec()))

        for bad in [0, 201, -1] {
            #expect(platformError { _ = try f.agents.list(caller: f.local, limit: bad) }
                == .invalid([issue("$.limit", "must be between 1 and 200 (got \(bad))")]))
        }
    }

    // MARK: - Concurrency

    @Test("concurrent updates from several tasks get consecutive versions, none duplicated or lost")
    func concurrentUpdates() async throws {
        let f = try AgentFixture()
        try f.agents.create(caller: f.local, id: "a", spec: try spec())
        let store = f.agents
        let perTask = 25
        let results = try await withThrowingTaskGroup(of: [Int].self) { group in
            for task in 0..<4 {
                group.addTask {
                    var versions: [Int] = []
                    for index in 0..<perTask {
                        let next = try spec([("description", .string("task \(task) update \(index)"))])
                        let result = try store.update(caller: .local(.runtime), id: "a", spec: next)
                        #expect(result.changed)
                        versions.append(result.agent.version)
                    }
                    return versions
                }
            }
            var all: [[Int]] = []
            for try await versions in group { all.append(versions) }
            return all
        }
        for versions in results { #expect(versions == versions.sorted(), "each task sees its versions increase") }
        #expect(results.flatMap { $0 }.sorted() == Array(2...101))
        let history = try f.agents.history(caller: f.local, id: "a")
        #expect(history.map(\.version) == Array((1...101).reversed()))
        #expect(Set(history.dropLast().compactMap(\.spec.description)).count == 100)
        #expect(try f.agents.get(caller: f.local, id: "a").version == 101)
        #expect(try f.audit().count == 101)
        #expect(try f.auditIntact())
    }
}
