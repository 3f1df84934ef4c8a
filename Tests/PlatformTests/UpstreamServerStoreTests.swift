// UpstreamServerStoreTests: create / get / list / update (incl. the no-op update) / enable /
// delete on a real database; credential_refs kept in step; delete refused while the current
// version of a live agent binds the server (agents written directly with SQL); cross-workspace
// and agent-restricted callers; missing scopes; audit records and an intact chain.

import JSON
import Platform
import Storage
import Testing

@Suite("UpstreamServerStore")
struct UpstreamServerStoreTests {
    let admin = VaultFixture.admin

    static func stdio(_ command: String = "github-mcp", env: String = #"{"GITHUB_TOKEN": "${credential:github}"}"#) throws -> UpstreamServerSpec {
        try UpstreamServerSpec.parse(try JSONParser.parse(#"{"transport": "stdio", "command": "\#(command)", "env": \#(env)}"#))
    }

    static func http(_ url: String = "https://mcp.example.com/mcp", header: String = "Bearer ${credential:gh}") throws -> UpstreamServerSpec {
        try UpstreamServerSpec.parse(try JSONParser.parse(#"{"transport": "http", "url": "\#(url)", "headers": {"Authorization": "\#(header)"}}"#))
    }

    @Test("create stores the spec; get and list read it back; the create is audited with transport, never with values")
    func createGetList() throws {
        let f = try VaultFixture()
        let spec = try Self.stdio()
        let created = try f.upstreams.create(caller: admin, id: "gh", spec: spec)
        #expect(created == UpstreamServer(id: "gh", workspaceID: "default", spec: spec, enabled: true,
                                          createdAt: f.clock.milliseconds, updatedAt: f.clock.milliseconds))
        #expect(try f.upstreams.get(caller: admin, id: "gh") == created)
        #expect(try f.upstreams.list(caller: admin) == [created])
        let stored = try f.database.read { try $0.queryOne("SELECT config FROM upstream_servers WHERE id = 'gh'")?.string("config") }
        #expect(stored == JSONWriter.string(spec.json))
        let audit = try #require(try f.lastAudit())
        #expect(try audit.string("action") == "upstreams.create")
        #expect(try audit.string("target_kind") == "upstreamServer")
        #expect(try audit.string("target_id") == "gh")
        #expect(try audit.string("outcome") == "ok")
        #expect(try audit.string("actor") == "local")
        #expect(try audit.string("detail") == #"{"enabled":true,"transport":"stdio"}"#)
        #expect(try f.credentialRefs() == ["server:gh->github"])
        #expect(try f.auditIntact())
    }

    @Test("ids must be slugs and unique per workspace; the same id in another workspace is independent")
    func idRules() throws {
        let f = try VaultFixture()
        let spec = try Self.stdio()
        #expect(throws: PlatformError.invalid("$.id", #"must be 1–64 of A–Z a–z 0–9 _ - (got "bad id")"#)) {
            try f.upstreams.create(caller: admin, id: "bad id", spec: spec)
        }
        try f.upstreams.create(caller: admin, id: "gh", spec: spec)
        #expect(throws: PlatformError.conflict(#"upstream server "gh" already exists in this workspace; update it instead"#)) {
            try f.upstreams.create(caller: admin, id: "gh", spec: try Self.http())
        }
        let other = try f.workspace("other")
        let theirs = try f.upstreams.create(caller: other, id: "gh", spec: try Self.http())
        #expect(theirs.workspaceID == "other")
        #expect(try f.upstreams.get(caller: admin, id: "gh").spec == spec)
        #expect(try f.upstreams.get(caller: other, id: "gh").spec == (try Self.http()))
        #expect(try f.credentialRefs(workspace: "other") == ["server:gh->gh"])
    }

    @Test("update rewrites spec, refs and updated_at, audits the changed field names; an identical spec writes nothing")
    func update() throws {
        let f = try VaultFixture()
        let created = try f.upstreams.create(caller: admin, id: "gh", spec: try Self.stdio())
        f.clock.advance(by: 1000)
        let auditCount = try f.auditRows().count

        let same = try f.upstreams.update(caller: admin, id: "gh", spec: try Self.stdio())
        #expect(!same.changed)
        #expect(same.server == created)
        #expect(try f.auditRows().count == auditCount, "a no-op update is not audited")
        #expect(try f.upstreams.get(caller: admin, id: "gh").updatedAt == created.createdAt)

        let newSpec = try Self.stdio("gh2", env: #"{"T": "${credential:other}", "U": "${credential:third}"}"#)
        let updated = try f.upstreams.update(caller: admin, id: "gh", spec: newSpec)
        #expect(updated.changed)
        #expect(updated.server.spec == newSpec)
        #expect(updated.server.createdAt == created.createdAt)
        #expect(updated.server.updatedAt == created.createdAt + 1000)
        #expect(try f.upstreams.get(caller: admin, id: "gh") == updated.server)
        #expect(try f.credentialRefs() == ["server:gh->other", "server:gh->third"])
        let audit = try #require(try f.lastAudit())
        #expect(try audit.string("action") == "upstreams.update")
        #expect(try audit.string("detail") == #"{"changed":["command","env"]}"#)

        // Switching transport lists the fields on both sides.
        _ = try f.upstreams.update(caller: admin, id: "gh", spec: try Self.http())
        #expect(try f.lastAudit()?.string("detail") == #"{"changed":["transport","url","headers","command","env","startup_timeout_s"]}"#)
        #expect(try f.credentialRefs() == ["server:gh->gh"])
        #expect(try f.auditIntact())
    }

    @Test("setEnabled flips the column and the stored spec together; repeating it is a no-op")
    func enableDisable() throws {
        let f = try VaultFixture()
        try f.upstreams.create(caller: admin, id: "gh", spec: try Self.stdio())
        f.clock.advance(by: 5)
        let disabled = try f.upstreams.setEnabled(caller: admin, id: "gh", enabled: false)
        #expect(disabled.changed)
        #expect(!disabled.server.enabled && !disabled.server.spec.enabled)
        #expect(try f.lastAudit()?.string("action") == "upstreams.disable")
        #expect(try f.lastAudit()?.string("detail") == #"{"changed":["enabled"]}"#)
        let row = try f.database.read { try $0.queryOne("SELECT enabled, config FROM upstream_servers WHERE id = 'gh'") }
        #expect(try row?.int64("enabled") == 0)
        #expect(try row?.string("config").contains(#""enabled":false"#) == true)
        let count = try f.auditRows().count
        #expect(try !f.upstreams.setEnabled(caller: admin, id: "gh", enabled: false).changed)
        #expect(try f.auditRows().count == count)
        #expect(try f.upstreams.get(caller: admin, id: "gh").enabled == false)
        #expect(try f.upstreams.setEnabled(caller: admin, id: "gh", enabled: true).server.enabled)
        #expect(try f.lastAudit()?.string("action") == "upstreams.enable")
        // A spec created disabled is stored disabled.
        var spec = try Self.http()
        spec.enabled = false
        #expect(try !f.upstreams.create(caller: admin, id: "off", spec: spec).enabled)
        #expect(try !f.upstreams.get(caller: admin, id: "off").enabled)
    }

    @Test("list pages by id with limit 1…200 and after")
    func paging() throws {
        let f = try VaultFixture()
        for id in ["e", "a", "d", "b", "c"] { try f.upstreams.create(caller: admin, id: id, spec: try Self.stdio()) }
        let other = try f.workspace("other")
        try f.upstreams.create(caller: other, id: "aa", spec: try Self.stdio())
        #expect(try f.upstreams.list(caller: admin, limit: 2).map(\.id) == ["a", "b"])
        #expect(try f.upstreams.list(caller: admin, limit: 2, after: "b").map(\.id) == ["c", "d"])
        #expect(try f.upstreams.list(caller: admin, limit: 2, after: "d").map(\.id) == ["e"])
        #expect(try f.upstreams.list(caller: admin, limit: 200, after: "e").isEmpty)
        #expect(try f.upstreams.list(caller: other).map(\.id) == ["aa"])
        for limit in [0, 201, -1] {
            #expect(throws: PlatformError.invalid("$.limit", "must be between 1 and 200 (got \(limit))")) {
                try f.upstreams.list(caller: admin, limit: limit)
            }
        }
    }

    @Test("delete is refused while the current version of a live agent binds the server, naming those agents")
    func deleteRefusedWhenBound() throws {
        let f = try VaultFixture()
        try f.upstreams.create(caller: admin, id: "gh", spec: try Self.stdio())
        try f.upstreams.create(caller: admin, id: "other", spec: try Self.http())
        try f.insertAgent("triage", versions: [VaultFixture.config(binding: ["gh", "other"])])
        try f.insertAgent("support", versions: [VaultFixture.config(binding: []), VaultFixture.config(binding: ["gh"])])
        // Not counted: an archived agent, an agent whose OLD version bound it, an agent without
        // bindings, odd binding shapes, and an agent of another workspace with a server of the same id.
        try f.insertAgent("old", versions: [VaultFixture.config(binding: ["gh"])], archived: true)
        try f.insertAgent("moved", versions: [VaultFixture.config(binding: ["gh"]), VaultFixture.config(binding: ["other"])])
        try f.insertAgent("plain", versions: [#"{"name": "no bindings"}"#])
        try f.insertAgent("odd", versions: [#"{"bindings": ["gh", 3, {"server": "ghx"}, {"srv": "gh"}]}"#])
        _ = try f.workspace("ws2")
        try f.insertAgent("foreign", workspace: "ws2", versions: [VaultFixture.config(binding: ["gh"])])
        let before = try f.auditRows().count

        #expect(throws: PlatformError.conflict(
            #"upstream server "gh" is bound by agents support, triage; remove those bindings or archive the agents first"#)) {
            try f.upstreams.delete(caller: admin, id: "gh")
        }
        #expect(try f.upstreams.get(caller: admin, id: "gh").id == "gh")
        #expect(try f.auditRows().count == before)
        #expect(try f.upstreams.boundBy(caller: admin, id: "gh") == (["support", "triage"], 0) as ([String], Int))

        // A restricted caller learns how many agents it cannot see, not their ids.
        let restricted = VaultFixture.caller([.mcpWrite, .mcpRead], agents: ["support"])
        #expect(throws: PlatformError.conflict(
            #"upstream server "gh" is bound by agents support, 1 other not visible to you; remove those bindings or archive the agents first"#)) {
            try f.upstreams.delete(caller: restricted, id: "gh")
        }
        let bound = try f.upstreams.boundBy(caller: restricted, id: "gh")
        #expect(bound.agentIDs == ["support"] && bound.hidden == 1)

        // Archive triage and move support to a new version without the binding: delete succeeds.
        try f.database.write { connection in
            try connection.execute("UPDATE agents SET archived_at = 9 WHERE id = 'triage'")
            try connection.execute(
                "INSERT INTO agent_versions (workspace_id, agent_id, version, config, created_at, created_by) VALUES ('default', 'support', 3, ?, 1, 'local')",
                [.text(VaultFixture.config(binding: ["other"]))])
            try connection.execute("UPDATE agents SET version = 3 WHERE id = 'support'")
        }
        try f.upstreams.delete(caller: admin, id: "gh")
        #expect(throws: PlatformError.notFound(kind: .upstreamServer, id: "gh")) { try f.upstreams.get(caller: admin, id: "gh") }
        #expect(try f.credentialRefs() == ["server:other->gh"])
        let audit = try #require(try f.lastAudit())
        #expect(try audit.string("action") == "upstreams.delete")
        #expect(try audit.string("target_id") == "gh")
        #expect(try f.auditIntact())
    }

    @Test("another workspace's server is reported as not found for every operation, and each attempt is audited as denied")
    func crossWorkspace() throws {
        let f = try VaultFixture()
        let spec = try Self.stdio()
        try f.upstreams.create(caller: admin, id: "gh", spec: spec)
        let intruder = try f.workspace("other")
        let notFound = PlatformError.notFound(kind: .upstreamServer, id: "gh")
        let operations: [(String, () throws -> Void)] = [
            ("upstreams.read", { _ = try f.upstreams.get(caller: intruder, id: "gh") }),
            ("upstreams.read", { _ = try f.upstreams.boundBy(caller: intruder, id: "gh") }),
            ("upstreams.write", { _ = try f.upstreams.update(caller: intruder, id: "gh", spec: try Self.http()) }),
            ("upstreams.write", { _ = try f.upstreams.setEnabled(caller: intruder, id: "gh", enabled: false) }),
            ("upstreams.write", { try f.upstreams.delete(caller: intruder, id: "gh") }),
        ]
        for (action, operation) in operations {
            #expect(throws: notFound) { try operation() }
            let audit = try #require(try f.lastAudit())
            #expect(try audit.string("action") == action)
            #expect(try audit.string("outcome") == "denied")
            #expect(try audit.string("workspace_id") == "other")
            #expect(try audit.string("target_id") == "gh")
            #expect(try audit.string("detail") == #"{"reason":"not found (other_workspace)"}"#)
        }
        #expect(try f.upstreams.list(caller: intruder).isEmpty)
        // The owner's server is untouched.
        let server = try f.upstreams.get(caller: admin, id: "gh")
        #expect(server.spec == spec && server.enabled)
        // A truly missing id gives the same error and no denial record.
        let count = try f.auditRows().count
        #expect(throws: PlatformError.notFound(kind: .upstreamServer, id: "nope")) { try f.upstreams.get(caller: intruder, id: "nope") }
        #expect(try f.auditRows().count == count)
        #expect(try f.auditIntact())
    }

    @Test("missing scopes are forbidden (and audited); mcp:read may read but not write")
    func scopes() throws {
        let f = try VaultFixture()
        try f.upstreams.create(caller: admin, id: "gh", spec: try Self.stdio())
        let reader = VaultFixture.caller([.mcpRead])
        let nobody = VaultFixture.caller([.agentsRead, .credentialsWrite])
        #expect(try f.upstreams.get(caller: reader, id: "gh").id == "gh")
        #expect(try f.upstreams.list(caller: reader).count == 1)
        let writes: [() throws -> Void] = [
            { _ = try f.upstreams.create(caller: reader, id: "x", spec: try Self.stdio()) },
            { _ = try f.upstreams.update(caller: reader, id: "gh", spec: try Self.http()) },
            { _ = try f.upstreams.setEnabled(caller: reader, id: "gh", enabled: false) },
            { try f.upstreams.delete(caller: reader, id: "gh") },
        ]
        for write in writes {
            #expect(throws: PlatformError.forbidden(.mcpWrite)) { try write() }
            #expect(try f.lastAudit()?.string("outcome") == "denied")
            #expect(try f.lastAudit()?.string("detail") == #"{"reason":"missing scope mcp:write"}"#)
        }
        #expect(throws: PlatformError.forbidden(.mcpRead)) { try f.upstreams.get(caller: nobody, id: "gh") }
        #expect(throws: PlatformError.forbidden(.mcpRead)) { try f.upstreams.list(caller: nobody) }
        // Scope comes before existence: a missing id is still "forbidden" for a caller without the scope.
        #expect(throws: PlatformError.forbidden(.mcpRead)) { try f.upstreams.get(caller: nobody, id: "missing") }
        #expect(try f.upstreams.list(caller: admin).map(\.id) == ["gh"])
        #expect(try f.upstreams.get(caller: admin, id: "gh").enabled)
        let writer = VaultFixture.caller([.mcpWrite])
        #expect(try f.upstreams.create(caller: writer, id: "w", spec: try Self.http()).id == "w")
        #expect(try f.lastAudit()?.string("actor") == "key_test")
        #expect(try f.lastAudit()?.string("origin") == "http")
        #expect(try f.auditIntact())
    }

    @Test("a stored config that no longer parses is reported as a corrupt row naming the server")
    func corruptRow() throws {
        let f = try VaultFixture()
        try f.upstreams.create(caller: admin, id: "gh", spec: try Self.stdio())
        try f.database.write { try $0.execute(#"UPDATE upstream_servers SET config = '{"transport":"carrier-pigeon"}' WHERE id = 'gh'"#) }
        let error = #expect(throws: CorruptRowError.self) { try f.upstreams.get(caller: admin, id: "gh") }
        #expect(error?.description.hasPrefix(#"stored upstream server "gh" is unreadable: config: $.transport: must be one of"#) == true)
    }
}
