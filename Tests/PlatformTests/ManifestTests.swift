// ManifestTests: parsing one manifest (paths name the file and field), validating a set (duplicate
// ids across files, dangling references, unset environment variables, archived agents, cycles —
// and then nothing is written), idempotent apply with a diff, credentials from the environment,
// and every shipped file in Manifests/ applied together.

import Glibc
import Hashing
import JSON
import Platform
import Storage
import Testing

@Suite("Manifests")
struct ManifestTests {
    let caller = Caller.local(.manifest)

    func document(_ text: String, file: String = "m.json") throws -> ManifestDocument {
        try ManifestDocument.parse(Array(text.utf8), file: file)
    }

    func problems(_ text: String, file: String = "m.json") -> [String] {
        do {
            _ = try document(text, file: file)
            return []
        } catch let error as ManifestError {
            return error.issues.map { "\(error.file): \($0.path): \($0.reason)" }
        } catch {
            return ["unexpected \(error)"]
        }
    }

    let server = #"{"transport":"stdio","command":"mcp-server-time"}"#
    func agent(_ extra: String = "", model: String = "scripted/x") -> String {
        #"{"name":"A","instructions":"Hi.","model":"\#(model)""# + extra + "}"
    }

    @Test("every problem of a file is reported with the file, the JSON path and the reason")
    func parseProblems() {
        #expect(problems("[]") == ["m.json: $: must be an object (got array)"])
        #expect(problems("{") .first?.hasPrefix("m.json: $: not valid JSON") == true)
        #expect(problems("{}") == ["m.json: $: an empty manifest; expected one of credentials, model_providers, upstream_servers, agents"])
        let found = problems(#"{"agent":{},"agents":{"bad id":{},"ok":{"name":"A","model":"x","instructions":"i","max_steps":0}},"upstream_servers":{"s":{"transport":"ftp"}}}"#)
        #expect(found.contains("m.json: $.agent: unknown field"))
        #expect(found.contains(#"m.json: $.agents["bad id"]: id must be 1–64 of A–Z a–z 0–9 _ -"#))
        #expect(found.contains("m.json: $.agents.ok.max_steps: must be between 1 and 100 (got 0)"))
        #expect(found.contains { $0.hasPrefix("m.json: $.agents.ok.model:") })
        #expect(found.contains { $0.hasPrefix("m.json: $.upstream_servers.s.transport:") })
        #expect(problems(#"{"credentials":{"gh":{"from_env":"GH","secret":"ghp_x"}}}"#)
            == ["m.json: $.credentials.gh: secrets never go in a manifest; name the environment variable that holds it with from_env"])
        #expect(problems(#"{"agents":{"a":{}, "a":{}}}"#).first?.contains("duplicate") == true)
    }

    @Test("a set with dangling references, duplicates across files, unset variables or a cycle is refused and nothing is written")
    func setValidation() throws {
        let fixture = try Fixture()
        let applier = ManifestApplier(database: fixture.database, masterKey: SecureRandom.bytes(32), clock: fixture.clock.clock)
        let one = try document(#"{"upstream_servers":{"time":\#(server)},"agents":{"a":\#(agent(#","bindings":[{"server":"nope","override_headers":{"Authorization":"Bearer ${credential:gh}"}}],"sub_agents":["b"]"#))}}"#, file: "one.json")
        let two = try document(#"{"upstream_servers":{"time":\#(server)},"agents":{"b":\#(agent(#","sub_agents":["a"]"#, model: "anthropic/claude"))},"credentials":{"tok":{"from_env":"UNSET_FOR_TEST"}}}"#, file: "two.json")
        do {
            _ = try applier.apply([one, two], caller: caller, environment: [:])
            Issue.record("an invalid set was applied")
        } catch let error as ManifestSetError {
            #expect(error.problems.contains("two.json: $.upstream_servers.time: also defined in one.json; an id may be defined once"))
            #expect(error.problems.contains(#"one.json: $.agents.a.bindings[0].server: upstream server "nope" is not defined"#))
            #expect(error.problems.contains { $0.hasPrefix(#"one.json: $.agents.a: references credential "gh", which is not defined"#) })
            #expect(error.problems.contains(#"two.json: $.agents.b.model: model provider "anthropic" is not defined (define it under model_providers, or use scripted/…)"#))
            #expect(error.problems.contains("two.json: $.credentials.tok.from_env: environment variable UNSET_FOR_TEST is not set"))
            #expect(error.problems.contains { $0.hasPrefix("agents: sub_agents form a cycle: a → b → a") })
        }
        let written = try fixture.database.read { connection in
            try connection.queryOne("SELECT (SELECT count(*) FROM agents) + (SELECT count(*) FROM upstream_servers) + (SELECT count(*) FROM audit_log) AS n")?.int64("n")
        }
        #expect(written == 0)
    }

    @Test("apply creates in dependency order, a second apply changes nothing, an edit updates with a version bump")
    func idempotentApply() throws {
        let fixture = try Fixture()
        let key = SecureRandom.bytes(32)
        let applier = ManifestApplier(database: fixture.database, masterKey: key, clock: fixture.clock.clock)
        let text = #"""
            {"credentials":{"gh":{"kind":"bearer_token","from_env":"GH_TOKEN"}},
             "model_providers":{"local":{"kind":"openai","base_url":"http://127.0.0.1:11434/v1"}},
             "upstream_servers":{"time":{"transport":"stdio","command":"mcp-server-time"}},
             "agents":{
               "lead":{"name":"Lead","instructions":"Delegate.","model":"local/llama3","sub_agents":["helper"]},
               "helper":{"name":"Helper","instructions":"Help {{who}}.","model":"scripted/x",
                         "bindings":[{"server":"time","allowed_tools":["get_*"],"override_headers":{"Authorization":"Bearer ${credential:gh}"}}]}}}
            """#
        let environment = ["GH_TOKEN": "ghp_first"]
        let first = try applier.apply([try document(text)], caller: caller, environment: environment)
        #expect(first.map(\.description) == [
            "created   credentials.gh", "created   model_providers.local", "created   upstream_servers.time",
            "created   agents.helper (version 1)", "created   agents.lead (version 1)",
        ])
        let second = try applier.apply([try document(text)], caller: caller, environment: environment)
        #expect(second.allSatisfy { $0.change == .unchanged })
        #expect(second.count == 5)

        let edited = text.replacingOccurrences(of: "Help {{who}}.", with: "Help {{who}} kindly.")
        let third = try applier.apply([try document(edited)], caller: caller, environment: ["GH_TOKEN": "ghp_second"])
        #expect(third.filter { $0.change != .unchanged }.map(\.description) == [
            "updated   credentials.gh (rotated)", "updated   agents.helper (version 1 → 2)",
        ])
        let vault = try CredentialStore(database: fixture.database, clock: fixture.clock.clock, masterKey: key)
        #expect(try vault.secret(workspace: "default", name: "gh") == "ghp_second")
        // Every write went through the stores: audited, chain intact, origin "manifest".
        let audit = AuditLog(database: fixture.database)
        let records = try audit.list(caller: caller)
        #expect(records.count == 7)
        #expect(records.allSatisfy { $0.origin == "manifest" })
        #expect(try audit.verify() == .intact(records: 7))
        // Neither secret appears in the audit log.
        #expect(!records.contains { ($0.detail ?? "").contains("ghp_") })
    }

    @Test("applying to an archived agent is refused before anything is written")
    func archived() throws {
        let fixture = try Fixture()
        let applier = ManifestApplier(database: fixture.database, masterKey: SecureRandom.bytes(32), clock: fixture.clock.clock)
        let text = #"{"agents":{"a":\#(agent())}}"#
        _ = try applier.apply([try document(text)], caller: caller, environment: [:])
        _ = try AgentStore(database: fixture.database, clock: fixture.clock.clock).archive(caller: caller, id: "a")
        #expect(throws: ManifestSetError.self) { try applier.apply([try document(text)], caller: caller, environment: [:]) }
    }

    @Test("every file shipped in Manifests/ parses and the set applies, twice, the second time without changes")
    func shippedManifests() throws {
        let root = String(#filePath).components(separatedBy: "/Tests/")[0] + "/Manifests"
        var files: [String] = []
        if let directory = opendir(root) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name.hasSuffix(".json") { files.append("\(root)/\(name)") }
            }
            closedir(directory)
        }
        #expect(files.count >= 3, "Manifests/ holds the examples")
        let documents = try files.sorted().map { try ManifestDocument.parse(readBytes($0), file: $0) }
        let fixture = try Fixture()
        let applier = ManifestApplier(database: fixture.database, masterKey: SecureRandom.bytes(32), clock: fixture.clock.clock)
        let first = try applier.apply(documents, caller: caller, environment: [:])
        #expect(first.allSatisfy { $0.change == .created })
        #expect(first.contains { $0.section == "agents" && $0.id == "assistant" })
        #expect(first.contains { $0.section == "upstream_servers" && $0.id == "time" })
        #expect(first.contains { $0.section == "model_providers" && $0.id == "anthropic" })
        let agent = try AgentStore(database: fixture.database).get(caller: caller, id: "assistant")
        let binding = try #require(agent.spec.bindings.first)
        #expect(binding.runBehavior(for: "get_weather") == .requestConfirmation)
        #expect(binding.runBehavior(for: "echo") == .autoRun)
        #expect(!binding.allows(tool: "test_sampling"))
        #expect(try applier.apply(documents, caller: caller, environment: [:]).allSatisfy { $0.change == .unchanged })
    }

    @Test("sub-agent tool names cannot clash: a server id \"agent\" is refused, and an agent with sub_agents may not bind one stored before")
    func subAgentNamespace() throws {
        let fixture = try Fixture()
        let applier = ManifestApplier(database: fixture.database, masterKey: SecureRandom.bytes(32), clock: fixture.clock.clock)
        let helper = agent()
        let boss = agent(#","bindings":[{"server":"agent","allowed_tools":["helper"]}],"sub_agents":["helper"]"#)
        let manifest = try document(#"{"upstream_servers":{"agent":\#(server)},"agents":{"helper":\#(helper),"boss":\#(boss)}}"#)
        do {
            _ = try applier.apply([manifest], caller: caller, environment: [:])
            Issue.record("a server named agent was applied")
        } catch let error as ManifestSetError {
            #expect(error.problems.contains { $0.hasPrefix(#"m.json: $.upstream_servers.agent: id "agent" is reserved: runs name sub-agent tools "agent__<agent id>""#) },
                    "\(error.problems)")
            #expect(error.problems.contains { $0.hasPrefix(#"m.json: $.agents.boss.bindings[0].server: upstream server "agent" cannot be bound by an agent with sub_agents"#) },
                    "\(error.problems)")
        }
        #expect(throws: PlatformError.self) { try UpstreamServerStore(database: fixture.database).create(caller: caller, id: "agent", spec: UpstreamServerSpec.parse(["transport": "stdio", "command": "x"])) }

        // A server stored before the id was reserved: binding it is refused only together with sub_agents.
        try fixture.database.write { connection in
            try connection.execute(
                "INSERT INTO upstream_servers (workspace_id, id, config, enabled, created_at, updated_at) VALUES ('default', 'agent', ?, 1, 0, 0)",
                [.text(#"{"transport":"stdio","command":"x","default_allowed_tools":[],"timeout_s":30,"enabled":true,"sharing":"shared"}"#)])
        }
        let legacy = try document(#"{"agents":{"helper":\#(helper),"boss":\#(boss)}}"#)
        do {
            _ = try applier.apply([legacy], caller: caller, environment: [:])
            Issue.record("an agent with sub_agents was bound to server agent")
        } catch let error as ManifestSetError {
            #expect(error.problems.count == 1 && error.problems[0].contains("rename the server or drop the sub_agents"), "\(error.problems)")
        }
        let store = AgentStore(database: fixture.database, clock: fixture.clock.clock)
        _ = try store.create(caller: caller, id: "helper", spec: AgentSpec.parse(JSONParser.parse(Array(helper.utf8))))
        do {
            _ = try store.create(caller: caller, id: "boss", spec: AgentSpec.parse(JSONParser.parse(Array(boss.utf8))))
            Issue.record("the store accepted the clash")
        } catch PlatformError.invalid(let issues) {
            #expect(issues.contains { $0.path == "$.bindings[0].server" && $0.reason.contains("sub-agent tools") }, "\(issues)")
        }
        let alone = agent(#","bindings":[{"server":"agent","allowed_tools":["x"]}]"#)
        _ = try store.create(caller: caller, id: "solo", spec: AgentSpec.parse(JSONParser.parse(Array(alone.utf8))))
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
