import Foundation
import Testing

/// The platform over MCP end to end: the official Python SDK 2.3.0 client, in both eras, over
/// stdio (`agentbridge stdio`) and HTTP (`agentbridge serve` with an API key) drives
/// `platform_scenario.py`: create an agent bound to the reference upstream, run it with progress,
/// approve a confirmation through elicitation, read the run resource, cancel a run, and decide a
/// paused run's approval with edited arguments from a client that cannot elicit.
@Suite("The platform over MCP (Python SDK clients; raw JSON-RPC for tasks)", .serialized)
struct PlatformInteropTests {
    @Test(arguments: ["stdio", "http"], ["auto", "legacy"])
    func theScenarioRunsInEveryEraOverEveryTransport(transport: String, mode: String) async throws {
        try await Interop.ensureVenvs()
        let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("platform-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("agentbridge.sqlite").path
        let applied = await Interop.run(binary, ["--db", db, "apply", Interop.repoRoot.appendingPathComponent("Manifests").path], timeout: 60)
        #expect(applied.status == 0, "\(applied.output)")
        let script = Interop.scripts.appendingPathComponent("platform_scenario.py").path
        if transport == "stdio" {
            let result = await Interop.run(Interop.modernPython, [script, "--mode", mode, "--db", db, "--", binary], timeout: 240)
            Interop.expectSuccess(result, "platform_scenario.py stdio \(mode)")
            #expect(result.output.contains("ok   decide_approval with edited arguments resumes the run"))
            return
        }
        let created = await Interop.run(binary, ["--db", db, "--json", "keys", "create", "--name", "scenario", "--scope", "admin"], timeout: 30)
        let object = try JSONSerialization.jsonObject(with: Data(created.output.utf8)) as? [String: Any]
        let key = try #require(object?["secret"] as? String, "\(created.output)")
        let server = try await HTTPServerProcess.start(["--db", db, "--auth", "keys", "--manifests", "none", "--surface", "platform"])
        let result = await Interop.run(Interop.modernPython, [script, "--mode", mode, "--url", server.url, "--key", key], timeout: 240)
        let stopped = await server.stop()
        Interop.expectSuccess(result, "platform_scenario.py http \(mode)")
        #expect(result.output.contains("ok   decide_approval with edited arguments resumes the run"))
        #expect(stopped.status == 0, "\(server.log)")
        #expect(!server.log.contains(key), "the key reached the server's log")
    }

    /// The Tasks extension (2026, raw JSON-RPC: no SDK speaks it yet): a task for a run that
    /// needs an approval, `notifications/tasks` on a listen stream, then `kill -9` of the server;
    /// after a restart the same task is read, its approval answered with `tasks/update`, and it
    /// completes. Plus: the extension in discover, -32021 without it, -32602 for unknown ids,
    /// `tasks/cancel`, and plain results for clients without the extension.
    @Test func runsAreTasksThatSurviveAServerKill() async throws {
        try await Interop.ensureVenvs()
        let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("platform-tasks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("agentbridge.sqlite").path
        let applied = await Interop.run(binary, ["--db", db, "apply", Interop.repoRoot.appendingPathComponent("Manifests").path], timeout: 60)
        #expect(applied.status == 0, "\(applied.output)")
        let created = await Interop.run(binary, ["--db", db, "--json", "keys", "create", "--name", "tasks", "--scope", "admin"], timeout: 30)
        let object = try JSONSerialization.jsonObject(with: Data(created.output.utf8)) as? [String: Any]
        let key = try #require(object?["secret"] as? String, "\(created.output)")
        let script = Interop.scripts.appendingPathComponent("platform_tasks.py").path
        let arguments = ["--db", db, "--auth", "keys", "--manifests", "none", "--surface", "platform"]

        let first = try await HTTPServerProcess.start(arguments)
        let checks = await Interop.run(Interop.modernPython, [script, "--url", first.url, "--key", key, "checks"], timeout: 120)
        Interop.expectSuccess(checks, "platform_tasks.py checks")
        let started = await Interop.run(Interop.modernPython, [script, "--url", first.url, "--key", key, "start"], timeout: 120)
        Interop.expectSuccess(started, "platform_tasks.py start")
        let taskID = try #require(started.output.split(separator: "\n").first { $0.hasPrefix("task ") }?.dropFirst(5), "\(started.output)")
        // kill -9: nothing of the run or its approval may be lost.
        if let pid = first.serverPID { kill(pid, SIGKILL) }
        _ = await first.stop(grace: 5)

        let second = try await HTTPServerProcess.start(arguments)
        let finished = await Interop.run(Interop.modernPython, [script, "--url", second.url, "--key", key, "finish", "--task", String(taskID)], timeout: 120)
        let stopped = await second.stop()
        Interop.expectSuccess(finished, "platform_tasks.py finish (after kill -9 and restart)")
        #expect(stopped.status == 0, "\(second.log)")
        #expect(second.log.contains("resuming 1 unfinished run"), "\(second.log)")
    }

    /// The `mcp<2` client (`ClientSession`, the handshake era most desktop clients speak), over
    /// stdio and HTTP: list_changed, run_agent with progress, elicitation/create approvals, the
    /// run resource and agent prompts.
    @Test(arguments: ["stdio", "http"])
    func theMcp1ClientDrivesThePlatform(transport: String) async throws {
        try await Interop.ensureVenvs()
        let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("platform-v1-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("agentbridge.sqlite").path
        let applied = await Interop.run(binary, ["--db", db, "apply", Interop.repoRoot.appendingPathComponent("Manifests").path], timeout: 60)
        #expect(applied.status == 0, "\(applied.output)")
        let script = Interop.scripts.appendingPathComponent("platform_v1.py").path
        if transport == "stdio" {
            let result = await Interop.run(Interop.legacyPython, [script, "--db", db, "--", binary], timeout: 180)
            Interop.expectSuccess(result, "platform_v1.py stdio")
            #expect(result.output.contains("ok   the agent's instructions render as a prompt"))
            return
        }
        let created = await Interop.run(binary, ["--db", db, "--json", "keys", "create", "--name", "v1", "--scope", "admin"], timeout: 30)
        let object = try JSONSerialization.jsonObject(with: Data(created.output.utf8)) as? [String: Any]
        let key = try #require(object?["secret"] as? String, "\(created.output)")
        let server = try await HTTPServerProcess.start(["--db", db, "--auth", "keys", "--manifests", "none", "--surface", "platform"])
        let result = await Interop.run(Interop.legacyPython, [script, "--url", server.url, "--key", key], timeout: 180)
        let stopped = await server.stop()
        Interop.expectSuccess(result, "platform_v1.py http")
        #expect(result.output.contains("ok   the agent's instructions render as a prompt"))
        #expect(stopped.status == 0, "\(server.log)")
    }

    /// `agentbridge stdio` acts as the local administrator, or — with AGENTBRIDGE_KEY — with
    /// exactly that key's rights; an invalid key stops it before it serves anything.
    @Test func stdioActsWithTheRightsOfTheKeyInItsEnvironment() async throws {
        let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("platform-stdio-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("agentbridge.sqlite").path
        let created = await Interop.run(binary, ["--db", db, "--json", "keys", "create", "--name", "reader", "--scope", "agents:read"], timeout: 30)
        let object = try JSONSerialization.jsonObject(with: Data(created.output.utf8)) as? [String: Any]
        let key = try #require(object?["secret"] as? String, "\(created.output)")
        // One 2026 tools/list over stdio; prints the tool names.
        let probe = """
            import json, os, subprocess, sys
            env = dict(os.environ)
            if sys.argv[3]: env["AGENTBRIDGE_KEY"] = sys.argv[3]
            p = subprocess.Popen([sys.argv[1], "--db", sys.argv[2], "stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
            out, err = p.communicate((json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": meta}}) + "\\n").encode(), timeout=60)
            lines = [l for l in out.decode().splitlines() if l.strip()]
            if not lines:
                print("NO-ANSWER", p.returncode, err.decode().strip().splitlines()[-1:])
            else:
                answer = json.loads(lines[0])
                print(" ".join(sorted(t["name"] for t in answer["result"]["tools"])) if "result" in answer else lines[0])
            """
        let admin = await Interop.run("/usr/bin/env", ["python3", "-c", probe, binary, db, ""], timeout: 90)
        #expect(admin.output.contains("create_agent") && admin.output.contains("decide_approval"), "the local administrator sees everything: \(admin.output)")
        let reader = await Interop.run("/usr/bin/env", ["python3", "-c", probe, binary, db, key], timeout: 90)
        #expect(reader.output.trimmingCharacters(in: .whitespacesAndNewlines) == "get_agent list_agents", "\(reader.output)")
        let invalid = await Interop.run("/usr/bin/env", ["python3", "-c", probe, binary, db, "ab_" + String(repeating: "x", count: 43)], timeout: 90)
        #expect(invalid.output.contains("NO-ANSWER") && invalid.output.contains("AGENTBRIDGE_KEY"), "\(invalid.output)")
        #expect(!invalid.output.contains(String(repeating: "x", count: 43)), "the key is not echoed")
    }
}

