import Bridge
import Foundation
import JSON
import JSONRPC
import MCP
import MCPServer
import Platform
@testable import PlatformMCP
import Runtime
import Storage
import Synchronization
import Testing

/// The platform over MCP, in process on a real SQLite file: every tool is visible and callable
/// exactly with its scope, agent restrictions and workspaces hide objects as "not found", results
/// carry structured content matching their output schemas, and calls are audited without their
/// arguments.
@Suite("Platform catalog")
struct PlatformCatalogTests {
    /// A database with two agents in the default workspace and one in workspace `other`.
    final class Fixture: @unchecked Sendable {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("platform-mcp-\(UUID().uuidString).sqlite").path
        let database: Database

        init() throws {
            database = try PlatformSchema.open(path: path)
            _ = try WorkspaceStore(database: database).create(id: "other", name: "Other")
            let admin = Caller.local(.cli)
            for id in ["alpha", "beta"] {
                _ = try AgentStore(database: database).create(caller: admin, id: id, spec: try Self.spec(id))
            }
            _ = try AgentStore(database: database).create(caller: .local(.cli, workspace: "other"), id: "gamma", spec: try Self.spec("gamma"))
        }

        static func spec(_ name: String, instructions: String = "Help {{team}}.") throws -> AgentSpec {
            try AgentSpec.parse(["name": .string(name), "instructions": .string(instructions), "model": "scripted/demo"])
        }

        deinit {
            for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }

        func server(_ principal: Principal) -> MCPServer {
            let server = MCPServer(info: Implementation(name: "t", version: "1"))
            server.setCatalogProvider(PlatformCatalog(database: database, principals: PrincipalDirectory(fixed: principal), registry: nil, origin: .http))
            return server
        }
    }

    static func key(_ scopes: Set<Scope>, agents: Set<String>? = nil, workspace: String = Workspace.defaultID) -> Principal {
        Principal(workspaceID: workspace, keyID: "key_test", scopes: scopes, agentIDs: agents)
    }

    static func call(_ server: MCPServer, _ method: String, _ params: JSONObject = [:]) async -> Result<JSONValue, JSONRPCError> {
        var p = params
        p["_meta"] = ["io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": [:]]
        return await server.handleModern(JSONRPCRequest(id: .int(1), method: method, params: .object(p)), principal: "key_test", emit: { _ in })
    }

    /// The listed tool names; every entry must be a tool object with a name (a null or nameless
    /// entry would break clients).
    static func toolNames(_ server: MCPServer) async throws -> [String] {
        let tools = try await call(server, "tools/list").get()["tools"]?.arrayValue ?? []
        let names = tools.compactMap { $0["name"]?.stringValue }
        #expect(names.count == tools.count, "every listed tool is an object with a name: \(tools)")
        return names
    }

    static func tool(_ server: MCPServer, _ name: String, _ arguments: JSONObject = [:]) async -> Result<JSONValue, JSONRPCError> {
        await call(server, "tools/call", ["name": .string(name), "arguments": .object(arguments)])
    }

    @Test func everyToolIsVisibleAndCallableExactlyWithItsScope() async throws {
        let fixture = try Fixture()
        let catalog = PlatformCatalog(database: fixture.database, principals: PrincipalDirectory(), registry: nil, origin: .http)
        #expect(catalog.order.count == 13)
        for name in catalog.order {
            let needed = catalog.tools[name]!.action.requiredScope
            let without = fixture.server(Self.key(Set(Scope.allCases).subtracting([needed, .admin])))
            #expect(!(try await Self.toolNames(without)).contains(name), "\(name) listed without \(needed)")
            let refused = await Self.tool(without, name, ["id": "alpha"])
            guard case .failure(let error) = refused else { Issue.record("\(name) callable without \(needed)"); continue }
            #expect(error.code == .invalidParams && error.message == "Unknown tool: \(name)", "no existence leak for \(name)")

            let with = fixture.server(Self.key([needed]))
            #expect(try await Self.toolNames(with).contains(name), "\(name) hidden with \(needed)")
        }
        // A key with nothing but mcp:tools sees no platform tool at all.
        #expect(try await Self.toolNames(fixture.server(Self.key([.mcpTools]))).isEmpty)
    }

    @Test func agentRestrictionsAndWorkspacesHideObjectsAsNotFound() async throws {
        let fixture = try Fixture()
        let restricted = fixture.server(Self.key([.agentsRead], agents: ["alpha"]))
        let listed = try await Self.tool(restricted, "list_agents").get()
        #expect(listed["structuredContent"]?["agents"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["alpha"])
        let hidden = try await Self.tool(restricted, "get_agent", ["id": "beta"]).get()
        #expect(hidden["isError"] == true)
        #expect(hidden["structuredContent"]?["error"]?["code"] == "not_found")
        let resources = try await Self.call(restricted, "resources/list").get()["resources"]?.arrayValue?.compactMap { $0["uri"]?.stringValue }
        #expect(resources == ["agentbridge://agents/alpha"])
        let prompts = try await Self.call(restricted, "prompts/list").get()["prompts"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(prompts == ["alpha"])
        guard case .failure(let unread) = await Self.call(restricted, "resources/read", ["uri": "agentbridge://agents/beta"]) else {
            Issue.record("read an agent outside the restriction"); return
        }
        #expect(unread.code == .invalidParams && unread.message.contains("Resource not found"))

        let otherWorkspace = fixture.server(Self.key([.agentsRead], workspace: "other"))
        let theirs = try await Self.tool(otherWorkspace, "list_agents").get()
        #expect(theirs["structuredContent"]?["agents"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["gamma"])
        let guessed = try await Self.tool(otherWorkspace, "get_agent", ["id": "alpha"]).get()
        #expect(guessed["structuredContent"]?["error"]?["code"] == "not_found", "an id of another workspace is unknown")
    }

    @Test func agentsAreCreatedUpdatedAndArchivedWithPreciseErrors() async throws {
        let fixture = try Fixture()
        let writer = fixture.server(Self.key([.agentsRead, .agentsWrite]))
        let created = try await Self.tool(writer, "create_agent", [
            "id": "delta", "config": ["name": "Delta", "instructions": "Hi {{who}}", "model": "scripted/demo"],
        ]).get()
        #expect(created["isError"] == nil || created["isError"] == false)
        #expect(created["structuredContent"]?["version"] == 1)
        #expect(created["content"]?[0]?["type"] == "text", "a readable text block next to the structured content")

        let invalid = try await Self.tool(writer, "create_agent", ["id": "eps", "config": ["name": "E", "model": "nope", "extra": true]]).get()
        #expect(invalid["isError"] == true)
        let paths = invalid["structuredContent"]?["error"]?["issues"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []
        #expect(paths.contains("$.config.instructions") && paths.contains("$.config.model") && paths.contains("$.config.extra"), "\(paths)")

        let stale = try await Self.tool(writer, "update_agent", [
            "id": "delta", "expected_version": 7, "config": ["name": "Delta 2", "instructions": "Hi", "model": "scripted/demo"],
        ]).get()
        #expect(stale["structuredContent"]?["error"]?["code"] == "conflict")
        let updated = try await Self.tool(writer, "update_agent", [
            "id": "delta", "expected_version": 1, "config": ["name": "Delta 2", "instructions": "Hi", "model": "scripted/demo"],
        ]).get()
        #expect(updated["structuredContent"]?["changed"] == true && updated["structuredContent"]?["agent"]?["version"] == 2)
        let first = try await Self.tool(writer, "get_agent", ["id": "delta", "version": 1]).get()
        #expect(first["structuredContent"]?["config"]?["name"] == "Delta")

        let archived = try await Self.tool(writer, "archive_agent", ["id": "delta"]).get()
        #expect(archived["structuredContent"]?["archived_at"]?.intValue != nil)
        let names = try await Self.tool(writer, "list_agents").get()["structuredContent"]?["agents"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
        #expect(names == ["alpha", "beta"])

        let badArguments = try await Self.tool(writer, "get_agent", ["id": 5]).get()
        #expect(badArguments["isError"] == true)
        #expect(badArguments["content"]?[0]?["text"]?.stringValue?.contains("Invalid arguments for tool get_agent") == true)
    }

    @Test func approvalsAreDecidedWithEditedArgumentsAndCallsAreAudited() async throws {
        let fixture = try Fixture()
        let admin = Caller.local(.cli)
        let session = try SessionStore(database: fixture.database).resolve(caller: admin, agentID: "alpha", userReference: "u1").session
        let run = try RunStore(database: fixture.database).create(caller: admin, sessionID: session.id, trigger: .mcp, input: ["message": "hi"])
        _ = try RunStore(database: fixture.database).markRunning(id: run.id)
        let approval = try ApprovalStore(database: fixture.database).create(
            runID: run.id, toolCallID: "call_1", serverID: "ref", toolName: "get_weather", arguments: ["city": "Paris"],
            expiresAt: Int64(Date().timeIntervalSince1970 * 1000) + 600_000)

        let decider = fixture.server(Self.key([.approvalsRead, .approvalsWrite, .runsRead]))
        let pending = try await Self.tool(decider, "list_approvals", ["status": "pending"]).get()
        #expect(pending["structuredContent"]?["approvals"]?[0]?["id"]?.stringValue == approval.id)
        let rejectedWithArguments = try await Self.tool(decider, "decide_approval", ["id": .string(approval.id), "decision": "reject", "arguments": ["city": "Oslo"]]).get()
        #expect(rejectedWithArguments["structuredContent"]?["error"]?["code"] == "invalid")
        let decided = try await Self.tool(decider, "decide_approval", ["id": .string(approval.id), "decision": "approve", "arguments": ["city": "Oslo"]]).get()
        #expect(decided["structuredContent"]?["status"] == "approved")
        #expect(decided["structuredContent"]?["approved_arguments"] == ["city": "Oslo"])
        let again = try await Self.tool(decider, "decide_approval", ["id": .string(approval.id), "decision": "reject"]).get()
        #expect(again["structuredContent"]?["error"]?["code"] == "conflict")

        let runResult = try await Self.tool(decider, "get_run", ["id": .string(run.id)]).get()
        let types = runResult["structuredContent"]?["events"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
        #expect(types.contains("approval.requested") && types.contains("approval.resolved"), "\(types)")

        let records = try AuditLog(database: fixture.database).list(caller: admin, limit: 1000)
        let calls = records.filter { $0.action.hasPrefix("mcp.tools/call:") }
        #expect(calls.contains { $0.action == "mcp.tools/call:decide_approval" && $0.actor == "key_test" && $0.targetID == approval.id && $0.outcome == "ok" })
        #expect(!calls.contains { ($0.detail ?? "").contains("Oslo") }, "arguments are never audited")
    }

    @Test func promptsRenderAgentInstructionsAndCompleteAgentIDs() async throws {
        let fixture = try Fixture()
        let reader = fixture.server(Self.key([.agentsRead]))
        let listed = try await Self.call(reader, "prompts/list").get()
        #expect(listed["prompts"]?[0]?["arguments"]?[0]?["name"] == "team")
        let rendered = try await Self.call(reader, "prompts/get", ["name": "alpha", "arguments": ["team": "blue"]]).get()
        #expect(rendered["messages"]?[0]?["content"]?["text"] == "Help blue.")
        guard case .failure(let missing) = await Self.call(reader, "prompts/get", ["name": "alpha"]) else { Issue.record("rendered without its variable"); return }
        #expect(missing.message.contains("team"))
        let completed = try await Self.call(reader, "completion/complete", [
            "ref": ["type": "ref/resource", "uri": "agentbridge://agents/{id}"], "argument": ["name": "id", "value": "b"],
        ]).get()
        #expect(completed["completion"]?["values"] == ["beta"])

        // A prompt's variable completes from the values it had in the agent's earlier runs.
        let admin = Caller.local(.cli)
        let session = try SessionStore(database: fixture.database).resolve(caller: admin, agentID: "alpha", userReference: "u").session
        for team in ["blue", "black", "red", "blue"] {
            _ = try RunStore(database: fixture.database).create(
                caller: admin, sessionID: session.id, trigger: .api, input: ["message": "m", "variables": ["team": .string(team)]])
        }
        let withRuns = fixture.server(Self.key([.agentsRead, .runsRead]))
        let teams = try await Self.call(withRuns, "completion/complete", [
            "ref": ["type": "ref/prompt", "name": "alpha"], "argument": ["name": "team", "value": "b"],
        ]).get()
        #expect(Set(teams["completion"]?["values"]?.arrayValue?.compactMap(\.stringValue) ?? []) == ["blue", "black"])
    }

    @Test func agentChangesFromElsewhereAreAnnounced() async throws {
        let fixture = try Fixture()
        let events = Mutex<[ServerEvent]>([])
        let catalog = PlatformCatalog(database: fixture.database, principals: PrincipalDirectory(fixed: .local()), registry: nil, origin: .http,
                                      changed: { list in events.withLock { $0 += list } })
        catalog.watchAgentChanges(every: .milliseconds(20))
        defer { catalog.stopWatching() }
        try await Task.sleep(for: .milliseconds(100))
        #expect(events.withLock { $0 }.isEmpty, "nothing changed yet")
        // Another writer (the CLI, `apply`): straight to the store.
        _ = try AgentStore(database: fixture.database).create(caller: .local(.cli), id: "late", spec: try Fixture.spec("late"))
        for _ in 0..<250 where !events.withLock({ $0.contains(.toolsChanged) }) { try await Task.sleep(for: .milliseconds(20)) }
        #expect(events.withLock { $0 }.contains(.toolsChanged) && events.withLock { $0 }.contains(.promptsChanged))
    }

    @Test func askToolsFollowExposureAndTheKeysAgentRestriction() async throws {
        let fixture = try Fixture()
        let admin = Caller.local(.cli)
        for id in ["alpha", "beta"] {
            let spec = try AgentSpec.parse(["name": .string(id), "instructions": "Help.", "model": "scripted/demo", "visibility": "exposed"])
            _ = try AgentStore(database: fixture.database).update(caller: admin, id: id, spec: spec)
        }
        let registry = UpstreamRegistry(vault: nil, environment: [:])
        let runtime = AgentRuntime(database: fixture.database, registry: registry, vault: nil, models: StandardModelClientFactory())
        func server(_ principal: Principal) -> MCPServer {
            let server = MCPServer(info: Implementation(name: "t", version: "1"))
            server.setCatalogProvider(PlatformCatalog(database: fixture.database, principals: PrincipalDirectory(fixed: principal), registry: registry,
                                                      runtime: runtime, origin: .http))
            return server
        }
        let restricted = server(Self.key([.runsWrite], agents: ["alpha"]))
        let names = try await Self.toolNames(restricted)
        #expect(names.contains("ask_alpha") && !names.contains("ask_beta"), "\(names)")
        let answered = try await Self.tool(restricted, "ask_alpha", ["message": "hello"]).get()
        #expect(answered["isError"] != true && answered["content"]?[0]?["text"] == "You said: hello", "\(answered)")
        guard case .failure(let hidden) = await Self.tool(restricted, "ask_beta", ["message": "hello"]) else {
            Issue.record("ask_beta callable outside the key's agent restriction"); return
        }
        #expect(hidden.message == "Unknown tool: ask_beta")
        let viaRunAgent = try await Self.tool(restricted, "run_agent", ["agent": "beta", "message": "hello"]).get()
        #expect(viaRunAgent["structuredContent"]?["error"]?["code"] == "not_found", "run_agent cannot reach it either")
        #expect(!(try await Self.toolNames(server(Self.key([.agentsRead])))).contains { $0.hasPrefix("ask_") }, "ask_ needs runs:write")
        await runtime.shutdown()
        await registry.stopAll()
    }

    @Test(arguments: [
        "agentbridge://agents/../runs/x", "agentbridge://agents/alpha/../../agents/beta", "agentbridge://agents/alpha/versions/../1",
        "agentbridge://agents/%2e%2e/beta", "agentbridge://agents/alpha/versions/0", "agentbridge://agents/alpha/versions/-1",
        "agentbridge://agents/", "agentbridge://agents//alpha", "agentbridge://sessions/../agents/alpha", "file:///etc/passwd",
        "agentbridge://upstream/ref/../../etc/passwd",
    ])
    func traversalShapedResourceURIsAreNotFound(uri: String) async throws {
        let fixture = try Fixture()
        let reader = fixture.server(Self.key([.agentsRead, .runsRead]))
        guard case .failure(let error) = await Self.call(reader, "resources/read", ["uri": .string(uri)]) else {
            Issue.record("\(uri) was read"); return
        }
        #expect(error.code == .invalidParams && error.message.hasPrefix("Resource not found"), "\(uri): \(error.message)")
    }
}

