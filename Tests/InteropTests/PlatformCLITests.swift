import Foundation
import HTTPTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The platform CLI against the built binary and a real database file: `apply` (idempotent, and
/// all-or-nothing on an invalid file), `agents`, `servers`, `credentials` (secret from the
/// environment, never printed; delete refused while referenced), `sessions`/`runs` (data written
/// by the storage probe), `approvals decide` (edited arguments; a second decision refused), and
/// `audit verify` detecting a row edited behind our back (exit 2).
@Suite("agentbridge platform CLI", .serialized)
struct PlatformCLITests {
    let binary: String
    let directory: URL
    let database: String

    init() throws {
        binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = directory.appendingPathComponent("agentbridge.sqlite").path
    }

    func cli(_ arguments: [String], environment: [String: String] = [:]) async -> RunResult {
        let assignments = environment.map { "\($0.key)=\($0.value)" }
        return await Interop.run("/usr/bin/env", assignments + [binary, "--db", database] + arguments, timeout: 60)
    }

    func json(_ result: RunResult) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.output.utf8))
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func applyAgentsCredentialsRunsApprovalsAndAudit() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let manifests = Interop.repoRoot.appendingPathComponent("Manifests").path

        let first = await cli(["apply", manifests])
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("created   agents.assistant (version 1)"))
        let again = await cli(["apply", manifests])
        #expect(again.status == 0 && again.output.contains("no changes"), "\(again.output)")

        // An invalid file next to a valid one: refused with file + path + reason, nothing written.
        let good = try write("good.json", #"{"agents":{"newbie":{"name":"N","instructions":"i","model":"scripted/x"}}}"#)
        let bad = try write("bad.json", #"{"agents":{"broken":{"name":"B","instructions":"i","model":"scripted/x","max_steps":500,"colour":"red"}}}"#)
        let refused = await cli(["apply", good, bad])
        #expect(refused.status == 1)
        #expect(refused.output.contains("bad.json: $.agents.broken.max_steps: must be between 1 and 100 (got 500)"), "\(refused.output)")
        #expect(refused.output.contains("bad.json: $.agents.broken.colour: unknown field"))
        let agents = try json(await cli(["--json", "agents", "list"])) as? [[String: Any]] ?? []
        #expect(Set(agents.compactMap { $0["id"] as? String }) == ["assistant", "clock"], "nothing from the refused set was applied")

        // A credential from the environment, referenced by an agent through a header override.
        let secret = "ghp_" + UUID().uuidString
        let stored = await cli(["credentials", "set", "github", "--kind", "bearer_token", "--from-env", "GH_TEST_TOKEN"], environment: ["GH_TEST_TOKEN": secret])
        #expect(stored.status == 0 && stored.output.contains("stored credential github"), "\(stored.output)")
        let bound = try write("bound.json", #"{"agents":{"assistant":{"name":"Assistant","instructions":"Hi {{team}}.","model":"scripted/demo","bindings":[{"server":"reference","allowed_tools":["echo"],"allowed_prompts":["test_simple_prompt"],"override_headers":{"Authorization":"Bearer ${credential:github}"}}]}}}"#)
        let updated = await cli(["apply", bound])
        #expect(updated.output.contains("updated   agents.assistant (version 1 → 2)"), "\(updated.output)")
        let history = try json(await cli(["--json", "agents", "history", "assistant"])) as? [[String: Any]] ?? []
        #expect(history.compactMap { $0["version"] as? Int } == [2, 1])
        let version1 = await cli(["agents", "get", "assistant", "1"])
        #expect(version1.output.contains("get_weather"), "version 1 keeps its full configuration")
        let explained = await cli(["explain", "--agent", "assistant", "--tool", "echo"])
        #expect(explained.status == 0, "\(explained.output)")
        #expect(explained.output.contains("allowed by allowed_tools entry \"echo\""))
        #expect(explained.output.contains("Authorization: Bearer «github: redacted»"), "\(explained.output)")
        #expect(explained.output.contains("credential \"github\" (bearer_token"))
        #expect(explained.output.contains("prompts this binding exposes: \"test_simple_prompt\""), "\(explained.output)")
        #expect(explained.output.contains("resources this binding exposes: none (default deny)"), "\(explained.output)")
        #expect(!explained.output.contains(secret))
        let refusedTool = await cli(["explain", "--agent", "assistant", "--tool", "reference__get_weather"])
        #expect(refusedTool.status == 1 && refusedTool.output.contains("NOT allowed"), "\(refusedTool.output)")
        let listed = await cli(["credentials", "list"])
        #expect(listed.output.contains("github") && listed.output.contains("bearer_token"))
        let deleteRefused = await cli(["credentials", "delete", "github"])
        #expect(deleteRefused.status == 1)
        #expect(deleteRefused.output.contains("assistant"), "\(deleteRefused.output)")

        // Sessions, runs and events written by the probe (the runtime's stores).
        let probe = try Interop.binDirectory().appendingPathComponent("agentbridge-storage-probe").path
        let probeRun = TestProcess()
        probeRun.executableURL = URL(fileURLWithPath: probe)
        probeRun.arguments = [database]
        probeRun.standardOutput = FileHandle.nullDevice
        try probeRun.run()
        try await Task.sleep(for: .milliseconds(300))
        // SIGKILL: test processes inherit a mask that blocks SIGTERM.
        kill(probeRun.processIdentifier, SIGKILL)
        probeRun.waitUntilExit()
        let sessions = await cli(["sessions", "list"])
        #expect(sessions.output.contains("probe") && sessions.output.contains("crash-probe"), "\(sessions.output)")
        let runs = try json(await cli(["--json", "runs", "list", "--agent", "probe"])) as? [[String: Any]] ?? []
        let runID = try #require(runs.first?["id"] as? String)
        let run = try json(await cli(["--json", "runs", "get", runID])) as? [String: Any]
        #expect((run?["events"] as? [Any])?.isEmpty == false)

        // A pending approval for that run (as the runtime would create it), decided with edits.
        let insert = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            c.execute("INSERT INTO approvals (id, workspace_id, run_id, agent_id, tool_call_id, server_id, tool_name, arguments, status, expires_at, created_at) VALUES ('apr_test', 'default', ?, 'probe', 'call_1', 'reference', 'get_weather', '{\\"city\\":\\"Paris\\"}', 'pending', 99999999999999, 0)", (sys.argv[2],))
            c.commit()
            """
        let inserted = await Interop.run("/usr/bin/env", ["python3", "-c", insert, database, runID], timeout: 30)
        #expect(inserted.status == 0, "\(inserted.output)")
        let pending = await cli(["approvals", "list"])
        #expect(pending.output.contains("apr_test") && pending.output.contains("reference/get_weather"), "\(pending.output)")
        let decided = try json(await cli(["--json", "approvals", "decide", "apr_test", "--approve", "--arguments", #"{"city":"Lyon"}"#, "--reason", "closer"])) as? [String: Any]
        #expect(decided?["status"] as? String == "approved")
        #expect((decided?["approved_arguments"] as? [String: Any])?["city"] as? String == "Lyon")
        let twice = await cli(["approvals", "decide", "apr_test", "--reject"])
        #expect(twice.status == 1 && twice.output.contains("approved"), "\(twice.output)")
        let usage = await cli(["approvals", "decide", "apr_test", "--approve", "--reject"])
        #expect(usage.status == 64)

        // The audit chain covers all of it, never shows the secret, and detects tampering.
        let audit = await cli(["audit", "list", "--limit", "1000"])
        #expect(audit.output.contains("agents.update") && audit.output.contains("credentials.create") && audit.output.contains("approvals"), "\(audit.output)")
        #expect(!audit.output.contains(secret))
        let intact = await cli(["audit", "verify"])
        #expect(intact.status == 0 && intact.output.contains("intact"), "\(intact.output)")
        let tamper = await Interop.run("/usr/bin/env", ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE audit_log SET actor='mallory' WHERE seq=2\"); c.commit()", database], timeout: 30)
        #expect(tamper.status == 0)
        let broken = await cli(["audit", "verify"])
        #expect(broken.status == 2)
        #expect(broken.output.contains("BROKEN at record 2"), "\(broken.output)")

        // The secret never reached the database file in clear.
        for suffix in ["", "-wal"] {
            let bytes = FileManager.default.contents(atPath: database + suffix) ?? Data()
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "secret found in \(suffix.isEmpty ? "the database" : suffix)")
        }
    }

    @Test func explainShowsTheHeadersActuallySentAndEnvironmentCredentials() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = "key-" + UUID().uuidString
        let stored = await cli(["credentials", "set", "apikey", "--kind", "api_key", "--from-env", "API_TEST_KEY"], environment: ["API_TEST_KEY": secret])
        #expect(stored.status == 0, "\(stored.output)")
        let manifest = try write("servers.json", #"""
            {"upstream_servers": {
               "remote": {"transport": "http", "url": "http://127.0.0.1:9/mcp?key=${credential:apikey}", "headers": {"X-Api-Key": "${credential:apikey}", "X-Team": "blue"}},
               "local": {"transport": "stdio", "command": "true", "env": {"TOKEN": "t=${credential:apikey}", "PLAIN": "x"}, "startup_timeout_s": 90}},
             "agents": {"mixer": {"name": "M", "instructions": "i", "model": "scripted/x", "bindings": [
               {"server": "remote", "allowed_tools": ["search"], "override_headers": {"x-team": "red"}},
               {"server": "local", "allowed_tools": ["run"]}]}}}
            """#)
        let applied = await cli(["apply", manifest])
        #expect(applied.status == 0, "\(applied.output)")

        let remote = await cli(["explain", "--agent", "mixer", "--tool", "remote__search"])
        #expect(remote.status == 0, "\(remote.output)")
        #expect(remote.output.contains("  X-Api-Key: «apikey: redacted»  (server headers)  ← credential \"apikey\" (api_key"), "\(remote.output)")
        #expect(remote.output.contains("  x-team: red  (binding override_headers)"), "\(remote.output)")
        // A URL that references a credential is shown as written, with where the value comes from.
        #expect(remote.output.contains("(http: http://127.0.0.1:9/mcp?key=${credential:apikey})\nurl credentials: credential \"apikey\" (api_key"), "\(remote.output)")
        #expect(!remote.output.contains("blue"), "the server's X-Team is replaced by the override: \(remote.output)")
        let local = await cli(["explain", "--agent", "mixer", "--tool", "local__run"])
        #expect(local.output.contains("environment from credentials:\n  TOKEN=t=«apikey: redacted»  ← credential \"apikey\""), "\(local.output)")
        #expect(!local.output.contains("PLAIN"), "only values from credentials are listed")
        #expect(local.output.contains("startup timeout: 90 s (server local's startup_timeout_s"), "\(local.output)")
        #expect(!remote.output.contains("startup timeout"), "an http server has no start budget: \(remote.output)")
        let json = try json(await cli(["--json", "explain", "--agent", "mixer", "--tool", "remote__search"])) as? [String: Any]
        let headers = ((json?["routes"] as? [[String: Any]])?.first?["headers"] as? [[String: Any]]) ?? []
        #expect(headers.compactMap { $0["origin"] as? String } == ["server headers", "binding override_headers"], "\(headers)")
        for output in [remote.output, local.output] { #expect(!output.contains(secret)) }
    }

    @Test func explainUsesServerDefaultsAndRewrittenNames() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let manifest = try write("inherit.json", #"""
            {"upstream_servers": {
               "okd": {"transport": "stdio", "command": "true", "default_allowed_tools": ["hello"], "timeout_s": 2},
               "h": {"transport": "stdio", "command": "true"}},
             "agents": {
               "inh": {"name": "I", "instructions": "i", "model": "scripted/x", "bindings": [{"server": "okd"}]},
               "dots": {"name": "D", "instructions": "i", "model": "scripted/x", "bindings": [{"server": "h", "allowed_tools": ["a.b"]}]}}}
            """#)
        let applied = await cli(["apply", manifest])
        #expect(applied.status == 0, "\(applied.output)")

        let inherited = await cli(["explain", "--agent", "inh", "--tool", "okd__hello"])
        #expect(inherited.status == 0, "\(inherited.output)")
        #expect(inherited.output.contains("allowed by default_allowed_tools entry \"hello\" of server okd (the binding has no allowed_tools)"), "\(inherited.output)")
        #expect(inherited.output.contains("timeout: 2 s (server okd's timeout_s; the binding gives none)"), "\(inherited.output)")
        let json = try json(await cli(["--json", "explain", "--agent", "inh", "--tool", "okd__hello"])) as? [String: Any]
        let route = (json?["routes"] as? [[String: Any]])?.first
        #expect(route?["allow_list_source"] as? String == "server" && route?["timeout_s"] as? Int == 2, "\(String(describing: route))")

        let rewritten = await cli(["explain", "--agent", "dots", "--tool", "h__a_b_1692b25c"])
        #expect(rewritten.status == 0, "\(rewritten.output)")
        #expect(rewritten.output.contains("tool: a.b on server h, exposed as h__a_b_1692b25c"), "\(rewritten.output)")
        let raw = await cli(["explain", "--agent", "dots", "--tool", "a.b"])
        #expect(raw.status == 0 && raw.output.contains("exposed as h__a_b_1692b25c"), "\(raw.output)")
    }
}
