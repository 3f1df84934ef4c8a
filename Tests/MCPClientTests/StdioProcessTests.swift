import Foundation
import HTTPTestSupport
import JSON
import MCP
import MCPClient
import Testing

/// The client over real pipes to real server processes: our `mcp-reference-server`, the official
/// `mcp-server-time`, and two small servers on the official Python SDKs (1.x legacy-only FastMCP
/// in `fixtures/legacy_server.py`, 2.3.0 dual-era `MCPServer` in `fixtures/modern_server.py`).
@Suite(.timeLimit(.minutes(30)))  // a hang guard; the first run may wait for setup-venvs.sh
struct StdioProcessTests {
    static let configuration = MCPClientConfiguration(
        clientInfo: Implementation(name: "agentbridge-tests", version: "1"), probeTimeout: .seconds(60), requestTimeout: .seconds(30))

    /// Runs `body` with a client on `child`; always stops the child, and shows its stderr when
    /// something fails.
    static func withClient(_ child: ChildProcess, events: MCPClientEvents = MCPClientEvents(),
                           _ body: (MCPClient) async throws -> Void) async throws
    {
        let client = MCPClient(transport: child.transport, configuration: configuration, events: events)
        do {
            try await body(client)
            client.close()
            await child.stop()
        } catch {
            let stderr = child.stderrText
            client.close()
            await child.stop()
            Issue.record("\(child.description) failed; its stderr:\n\(stderr)")
            throw error
        }
    }

    static let login: MCPClientEvents = MCPClientEvents(inputProvider: { request in
        guard request.kind == .elicitation else { return nil }
        let schema = request.params["requestedSchema"]?["properties"]?.objectValue ?? [:]
        let field = schema.keys.first ?? "name"
        return ["action": "accept", "content": [field: "octocat"]]
    })

    // MARK: our reference server

    @Test func referenceServerBinaryAutoEndsModern() async throws {
        let child = try ChildProcess(try TestBinaries.referenceServer(), ["--tools", "20", "--page-size", "7"])
        try await Self.withClient(child, events: Self.login) { client in
            let n = try await client.connect(era: .auto)
            #expect(n.era == .modern)
            #expect(n.protocolVersion == .v2026_07_28)
            #expect(n.serverName == "agentbridge-reference")
            let tools = try await client.listTools()
            #expect(tools.count > 20)
            #expect(tools.contains { $0.name == "tool_019" })
            #expect(try await client.callTool("echo", arguments: ["text": "over a pipe"]).text == "over a pipe")
            let result = try await client.callTool("test_elicitation")
            #expect(result.text == #"accepted: {"username":"octocat"}"#)
            let progress = Collector<MCPProgress>()
            _ = try await client.callTool("test_tool_with_progress", progress: { progress.append($0) })
            #expect(progress.values.map(\.progress) == [0, 50, 100])
        }
    }

    @Test func referenceServerBinaryLegacy() async throws {
        let changes = Collector<MCPClientEvents.ListKind>()
        var events = Self.login
        events.listChanged = { changes.append($0) }
        let child = try ChildProcess(try TestBinaries.referenceServer(), ["--tools", "5"])
        try await Self.withClient(child, events: events) { client in
            let n = try await client.connect(era: .legacy)
            #expect(n.era == .legacy)
            #expect(n.protocolVersion == .v2025_11_25)
            #expect(try await client.callTool("echo", arguments: ["text": "legacy pipe"]).text == "legacy pipe")
            let result = try await client.callTool("test_elicitation")
            #expect(result.text == #"accepted: {"username":"octocat"}"#)
            _ = try await client.callTool("test_trigger_tool_change")
            #expect(await changes.wait(for: 1) == [.tools])
            try await client.ping()
        }
    }

    /// Writes `calls` (tool name, arguments) as raw requests in one block to a reference server
    /// running with `--max-in-flight 2` and a connected handshake-era client that answers its
    /// elicitations; returns the answers to those requests in the order they arrived.
    static func answersInOrder(_ calls: [(String, String)]) async throws -> [String] {
        let child = try ChildProcess(try TestBinaries.referenceServer(), ["--tools", "5", "--max-in-flight", "2"])
        var got: [String] = []
        try await Self.withClient(child, events: Self.login) { client in
            _ = try await client.connect(era: .legacy)
            // Answered past the client (which answers the questions): the tap keeps them.
            let answers = Collector<String>()
            let owner = NSObject()
            #expect(child.transport.setTap(FDClientTransport.LineTap(
                line: { line in
                    let text = String(decoding: line, as: UTF8.self)
                    guard text.contains(#""id":"raw-"#) else { return false }
                    answers.append(text)
                    return true
                }, batchEnd: {}, closed: { _ in }), owner: ObjectIdentifier(owner)))
            var block: [UInt8] = []
            for (n, (tool, arguments)) in calls.enumerated() {
                block += Array(#"{"jsonrpc":"2.0","id":"raw-\#(n)","method":"tools/call","params":{"name":"\#(tool)","arguments":\#(arguments)}}"#.utf8)
                block.append(0x0A)
            }
            child.transport.sendLines(block)
            got = await answers.wait(for: calls.count, guardTime: .seconds(20))
            child.transport.removeTap(owner: ObjectIdentifier(owner))
        }
        return got
    }

    static let accepted = #"accepted: {\"username\":\"octocat\"}"#

    /// Why: the stdio server blocks its reader while `--max-in-flight` requests run. A request
    /// waiting for the client's answer to a question of ours (a handshake-era elicitation) gives
    /// its slot back while it waits: the answer comes on the stream the blocked reader would have
    /// to read, so three such calls in one read, with two slots, would otherwise never finish.
    @Test func requestsWaitingForTheClientLeaveTheirSlotsToTheReader() async throws {
        let got = try await Self.answersInOrder(Array(repeating: ("test_elicitation", "{}"), count: 3))
        #expect(got.count == 3, "answers: \(got)")
        #expect(got.allSatisfy { $0.contains(Self.accepted) }, "\(got)")
    }

    @Test func serverExitFailsInFlightRequestsWithUpstreamClosed() async throws {
        let child = try ChildProcess(try TestBinaries.referenceServer())
        try await Self.withClient(child) { client in
            try await client.connect()
            let progress = Collector<MCPProgress>()
            let call = Task {
                try await client.callTool("slow_operation", arguments: ["steps": 1000, "step_ms": 20], progress: { progress.append($0) })
            }
            _ = await progress.wait(for: 1)
            child.kill9()
            await #expect(throws: MCPClientError.closed("upstream closed the connection (end of stream)")) { try await call.value }
            await #expect(throws: MCPClientError.self) { try await client.ping() }
        }
    }

    // MARK: mcp-server-time (official, Python SDK 2.3.0)

    @Test(arguments: [MCPEraPreference.auto, .legacy])
    func mcpServerTime(era: MCPEraPreference) async throws {
        let executable = try await Fixtures.venvTool(".venv-interop", "mcp-server-time")
        let child = try ChildProcess(executable, ["--local-timezone", "UTC"])
        try await Self.withClient(child) { client in
            let n = try await client.connect(era: era)
            // The installed mcp-server-time is built on SDK 2.3.0's dual-era serve(): it answers the
            // discover probe, so auto ends modern; forced legacy uses the handshake.
            #expect(n.era == (era == .legacy ? .legacy : .modern))
            #expect(n.serverName == "mcp-time")
            let tools = try await client.listTools()
            #expect(Set(tools.map(\.name)).isSuperset(of: ["get_current_time", "convert_time"]))
            let result = try await client.callTool("get_current_time", arguments: ["timezone": "UTC"])
            #expect(result.isError == false)
            #expect(result.structuredContent?["timezone"] == "UTC")
            #expect(result.text.contains("UTC"))
            await #expect {
                try await client.callTool("no_such_tool")
            } throws: { ($0 as? MCPClientError)?.serverCode == -32602 }
        }
    }

    // MARK: Python SDK 1.x, legacy only

    @Test func legacyPythonServerAutoFallsBackToInitialize() async throws {
        let python = try await Fixtures.venvTool(".venv-legacy")
        let asked = Collector<MCPInputRequest>()
        let logs = Collector<MCPLogMessage>()
        let events = MCPClientEvents(log: { logs.append($0) }, inputProvider: { request in
            asked.append(request)
            return ["action": "accept", "content": ["name": "Ada"]]
        })
        let child = try ChildProcess(python, [Fixtures.legacyServerScript])
        try await Self.withClient(child, events: events) { client in
            let n = try await client.connect(era: .auto)
            #expect(n.era == .legacy, "a 1.x server refuses server/discover; auto must fall back")
            #expect(n.protocolVersion == .v2025_11_25)
            #expect(n.serverName == "legacy-fixture")
            #expect(Set(try await client.listTools().map(\.name)) == ["add", "ask_name", "count", "shout"])

            let sum = try await client.callTool("add", arguments: ["a": 2, "b": 3])
            #expect(sum.text == "5")

            let greeting = try await client.callTool("ask_name")
            #expect(greeting.text == "hello Ada")
            let request = try #require(asked.values.first)
            #expect(request.era == .legacy)
            #expect(request.kind == .elicitation)
            #expect(request.params["message"] == "What is your name?")

            let progress = Collector<MCPProgress>()
            let counted = try await client.callTool("count", arguments: ["n": 3], progress: { progress.append($0) })
            #expect(counted.text == "counted to 3")
            #expect(progress.values.map(\.progress) == [1, 2, 3])
            #expect(progress.values.last?.message == "step 3")

            _ = try await client.callTool("shout", arguments: ["text": "hi"])
            let log = await logs.wait(for: 1)
            #expect(log.first?.level == .warning)
            #expect(log.first?.data == "shouting hi")

            // The 1.x SDK answers an unknown tool with isError rather than −32602: both are fine.
            do {
                let unknown = try await client.callTool("no_such_tool")
                #expect(unknown.isError)
            } catch let error as MCPClientError {
                #expect(error.serverCode == -32602)
            }
        }
    }

    @Test func legacyPythonServerElicitationWithoutProviderIsDeclined() async throws {
        let python = try await Fixtures.venvTool(".venv-legacy")
        let child = try ChildProcess(python, [Fixtures.legacyServerScript])
        let client = MCPClient(transport: child.transport,
                               configuration: MCPClientConfiguration(capabilities: ["elicitation": ["form": [:]]], probeTimeout: .seconds(60), requestTimeout: .seconds(30)))
        defer { client.close() }
        do {
            try await client.connect()
            #expect(try await client.callTool("ask_name").text == "no name (decline)")
        } catch {
            Issue.record("stderr: \(child.stderrText)")
        }
        await child.stop()
    }

    // MARK: Python SDK 2.3.0, dual era

    @Test(arguments: [MCPEraPreference.auto, .legacy])
    func modernPythonServer(era: MCPEraPreference) async throws {
        let python = try await Fixtures.venvTool(".venv-interop")
        let asked = Collector<MCPInputRequest>()
        let events = MCPClientEvents(inputProvider: { request in
            asked.append(request)
            return ["action": "accept", "content": ["name": "octocat"]]
        })
        let child = try ChildProcess(python, [Fixtures.modernServerScript])
        try await Self.withClient(child, events: events) { client in
            let n = try await client.connect(era: era)
            #expect(n.era == (era == .legacy ? .legacy : .modern))
            #expect(n.serverName == "modern-fixture")
            #expect(n.instructions == "Fixture server for the AgentBridge MCP client tests.")
            #expect(try await client.callTool("echo", arguments: ["text": "sdk"]).text == "sdk")

            let whoami = try await client.callTool("whoami")
            #expect(whoami.text == "hello octocat")
            let request = try #require(asked.values.first)
            #expect(request.kind == .elicitation)
            #expect(request.params["message"] == "Please provide your GitHub username")
            if era == .legacy {
                #expect(request.era == .legacy)
            } else {
                #expect(request.era == .modern)
                #expect(request.key?.hasSuffix("ask_login") == true, "the SDK names the input after its resolver")
            }

            let progress = Collector<MCPProgress>()
            #expect(try await client.callTool("steps", arguments: ["n": 3], progress: { progress.append($0) }).text == "did 3 steps")
            #expect(progress.values.map(\.progress) == [1, 2, 3])

            // SDK 2.3.0's high-level server reports an unknown tool as isError (DIGEST §11.3).
            let unknown = try await client.callTool("no_such_tool")
            #expect(unknown.isError)
            #expect(unknown.text.contains("no_such_tool"))
        }
    }
}
