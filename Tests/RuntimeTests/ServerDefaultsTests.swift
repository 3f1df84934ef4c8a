import Bridge
import JSON
import MCP
import MCPServer
import Platform
import Testing

/// A binding that leaves `allowed_tools` and `timeout_s` out gets its server's
/// `default_allowed_tools` and `timeout_s` on every path of the gateway and the runtime:
/// listing, calling (timed out by the server's timeout, not a fixed default), the runtime's
/// pinned version. A binding's own values still win.
@Suite("Bindings inherit their server's defaults", .serialized, .timeLimit(.minutes(2)))
struct ServerDefaultsTests {
    static let manifest = """
        {"upstream_servers": {"ref": {"transport": "stdio", "command": "$AGENTBRIDGE", "args": ["reference-server", "--tools", "2"],
                                      "default_allowed_tools": ["echo", "slow_operation"], "timeout_s": 2}},
         "agents": {"inh": {"name": "Inheriting", "instructions": "i", "model": "scripted/x", "bindings": [{"server": "ref"}]},
                    "own": {"name": "Own", "instructions": "i", "model": "scripted/x",
                            "bindings": [{"server": "ref", "allowed_tools": ["get_weather", "slow_operation"], "timeout_s": 20}]}}}
        """

    static func context() -> RequestContext {
        RequestContext(requestID: .int(1), method: "tools/call", version: .v2026_07_28, principal: "key:alice",
                       emit: { _ in })
    }

    static func provider(_ harness: RuntimeHarness, _ agent: String) -> AgentCatalogProvider {
        AgentCatalogProvider(database: harness.database, caller: harness.caller, agentID: agent, registry: harness.registry, log: { _ in })
    }

    static func names(_ listing: CatalogListing) -> [String] { listing.items.compactMap { $0["name"]?.stringValue }.sorted() }

    @Test func aBindingWithoutAllowListOrTimeoutUsesTheServers() async throws {
        try await RuntimeHarness.with(manifest: Self.manifest) { harness in
            let provider = Self.provider(harness, "inh")
            // The first listing also starts the upstream, within the server's 2 s: on a busy
            // machine that can take longer, and the listing then comes back partial. Later ones
            // find it running.
            var listed: [String] = []
            for _ in 0..<50 where listed.isEmpty {
                listed = Self.names(try await provider.listTools(Self.context()))
                if listed.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(listed == ["ref__echo", "ref__slow_operation"])
            let pinned = try AgentStore(database: harness.database).version(caller: harness.caller, id: "inh", version: 1).spec
            #expect(Self.names(await provider.governedTools(of: pinned)) == ["ref__echo", "ref__slow_operation"], "the runtime's path")
            let route = try #require(await provider.allowedRoute("ref__echo", in: pinned))
            #expect(route.timeoutSeconds.value == 2 && route.timeoutSeconds.source.contains("server ref"))
            #expect(await provider.allowedRoute("ref__get_weather", in: pinned) == nil, "not in the server's defaults")

            let echoed = try await provider.callTool(name: "ref__echo", arguments: ["text": "hi"], context: Self.context())
            #expect(echoed?["isError"]?.boolValue != true, "\(String(describing: echoed))")
            // The server's 2 s timeout, not the 60 s a binding used to default to: a 30 s step
            // is cut off long before it ends.
            let started = ContinuousClock.now
            let slow = try await provider.callTool(name: "ref__slow_operation", arguments: ["steps": 1, "step_ms": 30000], context: Self.context())
            #expect(slow?["isError"]?.boolValue == true, "\(String(describing: slow))")
            #expect(ContinuousClock.now - started < .seconds(25))
        }
    }

    @Test func aBindingsOwnValuesWin() async throws {
        try await RuntimeHarness.with(manifest: Self.manifest) { harness in
            let provider = Self.provider(harness, "own")
            #expect(Self.names(try await provider.listTools(Self.context())) == ["ref__get_weather", "ref__slow_operation"])
            let spec = try provider.agent().spec
            let route = try #require(await provider.allowedRoute("ref__slow_operation", in: spec))
            #expect(route.timeoutSeconds.value == 20 && route.timeoutSeconds.source == "binding")
            #expect(await provider.allowedRoute("ref__echo", in: spec) == nil, "the binding's list replaces the server's")
        }
    }
}
