import JSON
import JSONRPC
import MCP
import MCPClient
import Testing

/// Progress, logs, list changes and resource updates in both eras, and 2026 `subscriptions/listen`.
@Suite(.timeLimit(.minutes(1)))
struct NotificationTests {
    static let eras: [MCPEraPreference] = [.auto, .legacy]

    @Test(arguments: eras)
    func progressReachesTheCall(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era)
        let seen = Collector<MCPProgress>()
        let result = try await h.client.callTool("test_tool_with_progress", progress: { seen.append($0) })
        #expect(result.text == "Progress test completed")
        // Notifications travel ahead of the response on the same stream, so all are in.
        #expect(seen.values == [
            MCPProgress(progress: 0, total: 100, message: "step 0"),
            MCPProgress(progress: 50, total: 100, message: "step 50"),
            MCPProgress(progress: 100, total: 100, message: "step 100"),
        ])
        let call = try #require(h.wire.sentRequests("tools/call").first)
        let token = try #require(call.meta?["progressToken"])
        #expect(token.stringValue?.isEmpty == false)
        if era == .legacy {
            #expect(call.meta?.objectValue?.keys.map { $0 } == ["progressToken"])
        } else {
            #expect(call.meta?["io.modelcontextprotocol/protocolVersion"] == "2026-07-28")
        }
        // A second call gets its own token.
        _ = try await h.client.callTool("test_tool_with_progress", progress: { _ in })
        #expect(h.wire.sentRequests("tools/call").last?.meta?["progressToken"] != token)
    }

    @Test func modernLogsFollowTheRequestLogLevel() async throws {
        let logs = Collector<MCPLogMessage>()
        let h = try await ReferenceHarness.connected(.auto, events: MCPClientEvents(log: { logs.append($0) }))
        _ = try await h.client.callTool("test_tool_with_logging")
        #expect(logs.values.isEmpty, "no logLevel in _meta: the server must not log")
        try await h.client.setLoggingLevel(.info)
        _ = try await h.client.callTool("test_tool_with_logging")
        #expect(logs.values.map(\.data) == ["Tool execution started", "Tool processing data", "Tool execution completed"])
        #expect(logs.values.allSatisfy { $0.level == .info && $0.logger == "reference" })
        #expect(h.wire.sentRequests("tools/call").last?.meta?["io.modelcontextprotocol/logLevel"] == "info")
        #expect(h.wire.sentRequests("logging/setLevel").isEmpty)
    }

    @Test func legacyLogLevelUsesLoggingSetLevel() async throws {
        let logs = Collector<MCPLogMessage>()
        let h = try await ReferenceHarness.connected(.legacy, events: MCPClientEvents(log: { logs.append($0) }))
        try await h.client.setLoggingLevel(.warning)
        _ = try await h.client.callTool("test_tool_with_logging")
        #expect(logs.values.isEmpty, "info logs are below the warning threshold")
        try await h.client.setLoggingLevel(.debug)
        _ = try await h.client.callTool("test_tool_with_logging")
        #expect(logs.values.count == 3)
        #expect(h.wire.sentRequests("logging/setLevel").map { $0["params"]?["level"] } == ["warning", "debug"])
    }

    @Test func legacyListChangedReachesTheCallback() async throws {
        let changes = Collector<MCPClientEvents.ListKind>()
        let h = try await ReferenceHarness.connected(.legacy, events: MCPClientEvents(listChanged: { changes.append($0) }))
        _ = try await h.client.callTool("test_trigger_tool_change")
        #expect(await changes.wait(for: 1) == [.tools])
        #expect(try await h.client.listTools().contains { $0.name == "dynamic_tool_1" })
        _ = try await h.client.callTool("test_trigger_prompt_change")
        #expect(await changes.wait(for: 2) == [.tools, .prompts])
    }

    @Test func legacyListenSubscribesToResources() async throws {
        let updates = Collector<String>()
        let h = try await ReferenceHarness.connected(.legacy, events: MCPClientEvents(resourceUpdated: { updates.append($0) }))
        let subscription = try await h.client.listen(resourceSubscriptions: ["test://watched-resource"])
        #expect(subscription.era == .legacy)
        #expect(h.wire.sentRequests("resources/subscribe").map { $0["params"]?["uri"] } == ["test://watched-resource"])
        _ = try await h.client.callTool("test_trigger_resource_update")
        #expect(await updates.wait(for: 1) == ["test://watched-resource"])
        subscription.cancel()
        #expect(await subscription.ended() == nil)
    }

    @Test func modernListenDeliversListChanges() async throws {
        let changes = Collector<MCPClientEvents.ListKind>()
        let updates = Collector<String>()
        let h = try await ReferenceHarness.connected(.auto, events: MCPClientEvents(
            listChanged: { changes.append($0) }, resourceUpdated: { updates.append($0) }))
        // Without a listen stream a 2026 server says nothing about changes.
        _ = try await h.client.callTool("test_trigger_tool_change")
        try await h.client.ping()
        #expect(changes.values.isEmpty)

        let subscription = try await h.client.listen(toolsChanged: true, promptsChanged: true,
                                                     resourceSubscriptions: ["test://watched-resource"])
        #expect(subscription.era == .modern)
        #expect(subscription.isActive)
        #expect(subscription.acknowledged == [
            "toolsListChanged": true, "promptsListChanged": true, "resourceSubscriptions": ["test://watched-resource"],
        ])
        let listen = try #require(h.wire.sentRequests("subscriptions/listen").first)
        #expect(listen["id"] == subscription.id?.json)
        #expect(listen.meta?["io.modelcontextprotocol/protocolVersion"] == "2026-07-28")

        _ = try await h.client.callTool("test_trigger_tool_change")
        #expect(await changes.wait(for: 1) == [.tools])
        _ = try await h.client.callTool("test_trigger_prompt_change")
        #expect(await changes.wait(for: 2) == [.tools, .prompts])
        _ = try await h.client.callTool("test_trigger_resource_update")
        #expect(await updates.wait(for: 1) == ["test://watched-resource"])
        let tagged = h.wire.received.filter { $0["method"] == "notifications/tools/list_changed" }
        #expect(tagged.allSatisfy { $0["params"]?["_meta"]?["io.modelcontextprotocol/subscriptionId"] == listen["id"] })

        subscription.cancel()
        #expect(await subscription.ended() == nil)
        #expect(!subscription.isActive)
        try await h.client.ping()
        let cancel = try #require(h.wire.sentNotifications("notifications/cancelled").first)
        #expect(cancel["params"]?["requestId"] == listen["id"])
    }

    @Test func theServerMayEndAListen() async throws {
        let h = try await ReferenceHarness.connected(.auto)
        let subscription = try await h.client.listen()
        h.server.closeListens()
        #expect(await subscription.ended() == nil)
        #expect(!subscription.isActive)
    }

    @Test func aListenEndedByNotificationsCancelledFinishes() async throws {
        let server = ScriptedServer { message, _ in
            switch message["method"]?.stringValue {
            case "server/discover": return [ScriptedServer.result(for: message, ScriptedServer.discoverResult)]
            case "subscriptions/listen":
                let id = message["id"]!
                return [
                    .json(["jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
                           "params": ["_meta": ["io.modelcontextprotocol/subscriptionId": id], "notifications": ["toolsListChanged": true]]]),
                    .json(["jsonrpc": "2.0", "method": "notifications/tools/list_changed",
                           "params": ["_meta": ["io.modelcontextprotocol/subscriptionId": id]]]),
                    .json(["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": id]]),
                ]
            default: return []
            }
        }
        let changes = Collector<MCPClientEvents.ListKind>()
        let client = MCPClient(transport: server, configuration: .patient, events: MCPClientEvents(listChanged: { changes.append($0) }))
        try await client.connect()
        let subscription = try await client.listen()
        #expect(await subscription.ended() == nil)
        #expect(await changes.wait(for: 1) == [.tools])
        #expect(!server.sentMethods.contains("notifications/cancelled"), "a listen the server ended is not cancelled again")
    }

    @Test func aListenRefusedByTheServerThrows() async throws {
        let server = ScriptedServer { message, _ in
            switch message["method"]?.stringValue {
            case "server/discover": return [ScriptedServer.result(for: message, ScriptedServer.discoverResult)]
            case "subscriptions/listen": return [ScriptedServer.error(for: message, -32601, "Method not found")]
            default: return []
            }
        }
        let client = MCPClient(transport: server, configuration: .patient)
        try await client.connect()
        await #expect(throws: MCPClientError.server(code: -32601, message: "Method not found", data: nil)) {
            try await client.listen()
        }
    }
}
