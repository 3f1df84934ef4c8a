import JSON
import MCP
import MCPClient
import Testing

/// Era negotiation exactly as DIGEST §11.1–11.2 describes it: against our reference engine, and
/// against scripted servers for every branch the engine never takes (silence, −32022, odd versions).
@Suite(.timeLimit(.minutes(1)))
struct NegotiationTests {
    static let metaKeys: Set<String> = [
        "io.modelcontextprotocol/protocolVersion", "io.modelcontextprotocol/clientInfo", "io.modelcontextprotocol/clientCapabilities",
    ]

    @Test func autoAgainstTheReferenceServerEndsModern() async throws {
        let h = ReferenceHarness()
        let n = try await h.client.connect(era: .auto)
        #expect(n.era == .modern)
        #expect(n.protocolVersion == .v2026_07_28)
        #expect(n.serverName == "agentbridge-reference")
        #expect(n.instructions?.contains("Reference MCP server") == true)
        #expect(n.capabilities["tools"]?["listChanged"] == true)
        #expect(n.supportedVersions == ["2026-07-28"])
        let first = try #require(h.wire.sent.first)
        #expect(first["method"] == "server/discover")
        #expect(Set(first.meta?.objectValue?.keys ?? []) == Self.metaKeys)
        #expect(first.meta?["io.modelcontextprotocol/protocolVersion"] == "2026-07-28")
        #expect(first.meta?["io.modelcontextprotocol/clientInfo"]?["name"] == "agentbridge")
        #expect(h.wire.sentRequests("initialize").isEmpty)
        #expect(h.client.era == .modern)
    }

    @Test func forcedLegacyDoesTheHandshakeOnly() async throws {
        let h = ReferenceHarness()
        let n = try await h.client.connect(era: .legacy)
        #expect(n.era == .legacy)
        #expect(n.protocolVersion == .v2025_11_25)
        #expect(n.serverName == "agentbridge-reference")
        #expect(n.capabilities["tools"]?["listChanged"] == true)
        try await h.client.ping()  // frames reach the server in order: after this, all are logged
        let methods = h.wire.sent.compactMap { $0["method"]?.stringValue }
        #expect(methods == ["initialize", "notifications/initialized", "ping"])
        let params = try #require(h.wire.sentRequests("initialize").first?["params"])
        #expect(params["protocolVersion"] == "2025-11-25")
        #expect(params["clientInfo"]?["name"] == "agentbridge")
        #expect(params["capabilities"]?.objectValue != nil)
        #expect(params["_meta"].isAbsent)
    }

    @Test func forcedModernUsesDiscover() async throws {
        let h = ReferenceHarness()
        let n = try await h.client.connect(era: .modern)
        #expect(n.era == .modern)
        #expect(h.wire.sent.compactMap { $0["method"]?.stringValue } == ["server/discover"])
    }

    @Test func connectTwiceReturnsTheFirstOutcome() async throws {
        let h = try await ReferenceHarness.connected(.legacy)
        let again = try await h.client.connect(era: .modern)
        #expect(again.era == .legacy)
        #expect(h.wire.sentRequests("initialize").count == 1)
    }

    @Test(arguments: [Int64(-32601), -32602, -32600, -32603])
    func anyDiscoverErrorFallsBackToInitialize(code: Int64) async throws {
        let server = ScriptedServer(ScriptedServer.legacy(discoverError: code))
        let client = MCPClient(transport: server, configuration: .patient)
        let n = try await client.connect()
        #expect(n.era == .legacy)
        #expect(n.protocolVersion == .v2025_11_25)
        #expect(n.serverName == "scripted-legacy")
        #expect(server.sentMethods == ["server/discover", "initialize", "notifications/initialized"])
        _ = try await client.listTools()
        let list = try #require(server.sent.last)
        #expect(list["method"] == "tools/list")
        #expect(list["params"].isAbsent, "legacy requests carry no _meta envelope")
    }

    @Test func silenceFallsBackAfterTheProbeTimeoutWithoutCancellingTheProbe() async throws {
        let server = ScriptedServer(ScriptedServer.legacy(discoverError: nil))
        let client = MCPClient(transport: server, configuration: MCPClientConfiguration(probeTimeout: .milliseconds(200)))
        let n = try await client.connect()
        #expect(n.era == .legacy)
        #expect(server.sentMethods == ["server/discover", "initialize", "notifications/initialized"])
        #expect(!server.sentMethods.contains("notifications/cancelled"))
    }

    @Test func unsupportedVersionNamingAModernVersionRetriesDiscoverOnce() async throws {
        let server = ScriptedServer { message, occurrence in
            guard message["method"] == "server/discover" else { return [] }
            if occurrence == 1 {
                return [ScriptedServer.error(for: message, -32022, "Unsupported protocol version",
                                             data: ["supported": ["2026-07-28", "2025-11-25"], "requested": "2026-07-28"])]
            }
            return [ScriptedServer.result(for: message, ScriptedServer.discoverResult)]
        }
        let client = MCPClient(transport: server, configuration: .patient)
        let n = try await client.connect()
        #expect(n.era == .modern)
        #expect(n.serverName == "scripted")
        #expect(server.sentMethods == ["server/discover", "server/discover"])
    }

    @Test func unsupportedVersionListingOnlyUnknownModernVersionsIsIncompatible() async throws {
        let server = ScriptedServer { message, _ in
            [ScriptedServer.error(for: message, -32022, "Unsupported protocol version", data: ["supported": ["2099-01-01"], "requested": "2026-07-28"])]
        }
        let client = MCPClient(transport: server, configuration: .patient)
        await #expect {
            try await client.connect()
        } throws: { error in
            guard case .incompatible(let why) = error as? MCPClientError else { return false }
            return why.contains("2099-01-01")
        }
        #expect(server.sentMethods == ["server/discover"])
    }

    @Test func unsupportedVersionListingOnlyHandshakeVersionsFallsBack() async throws {
        let server = ScriptedServer { message, _ in
            switch message["method"]?.stringValue {
            case "server/discover":
                return [ScriptedServer.error(for: message, -32022, "Unsupported", data: ["supported": ["2025-06-18"], "requested": "2026-07-28"])]
            case "initialize": return [ScriptedServer.result(for: message, ScriptedServer.initializeResult("2025-06-18"))]
            default: return []
            }
        }
        let n = try await MCPClient(transport: server, configuration: .patient).connect()
        #expect(n.era == .legacy)
        #expect(n.protocolVersion == .v2025_06_18, "any handshake version the server answers is accepted")
    }

    @Test func discoverResultWithoutAModernVersionMeansLegacy() async throws {
        let server = ScriptedServer { message, _ in
            switch message["method"]?.stringValue {
            case "server/discover":
                return [ScriptedServer.result(for: message, ["supportedVersions": ["2025-11-25"], "capabilities": [:]])]
            case "initialize": return [ScriptedServer.result(for: message, ScriptedServer.initializeResult())]
            default: return []
            }
        }
        let n = try await MCPClient(transport: server, configuration: .patient).connect()
        #expect(n.era == .legacy)
    }

    @Test func initializeRefusedWithUnsupportedVersionReprobesOnce() async throws {
        // The probe timed out here, but a slow server locked itself modern; the handshake then
        // gets −32022 and one more discover settles it.
        let server = ScriptedServer { message, occurrence in
            switch message["method"]?.stringValue {
            case "server/discover":
                return occurrence == 1 ? [] : [ScriptedServer.result(for: message, ScriptedServer.discoverResult)]
            case "initialize":
                return [ScriptedServer.error(for: message, -32022, "modern only", data: ["supported": ["2026-07-28"], "requested": "2025-11-25"])]
            default: return []
            }
        }
        let client = MCPClient(transport: server, configuration: MCPClientConfiguration(probeTimeout: .milliseconds(200)))
        let n = try await client.connect()
        #expect(n.era == .modern)
        #expect(server.sentMethods == ["server/discover", "initialize", "server/discover"])
    }

    @Test func forcedLegacyRefusedWithUnsupportedVersionDiscoversAtAVersionTheServerNamed() async throws {
        // A gateway asks for the handshake after a child died on the probe; −32022 on
        // `initialize` proves this server modern, so one discover settles it.
        let server = ScriptedServer { message, _ in
            switch message["method"]?.stringValue {
            case "initialize":
                return [ScriptedServer.error(for: message, -32022, "modern only", data: ["supported": ["2026-07-28"], "requested": "2025-11-25"])]
            case "server/discover":
                return [ScriptedServer.result(for: message, ScriptedServer.discoverResult)]
            default: return []
            }
        }
        let client = MCPClient(transport: server, configuration: .patient)
        let n = try await client.connect(era: .legacy)
        #expect(n.era == .modern)
        #expect(n.protocolVersion == .v2026_07_28)
        #expect(server.sentMethods == ["initialize", "server/discover"])
        #expect(server.sent.last?.meta?["io.modelcontextprotocol/protocolVersion"] == "2026-07-28")
    }

    @Test func forcedLegacyRefusedWithOnlyHandshakeVersionsFailsWithoutAProbe() async throws {
        let server = ScriptedServer { message, _ in
            message["method"] == "initialize"
                ? [ScriptedServer.error(for: message, -32022, "old", data: ["supported": ["2024-11-05"], "requested": "2025-11-25"])] : []
        }
        let client = MCPClient(transport: server, configuration: .patient)
        await #expect {
            try await client.connect(era: .legacy)
        } throws: { error in
            guard case .server(let code, _, _) = error as? MCPClientError else { return false }
            return code == -32022
        }
        #expect(server.sentMethods == ["initialize"])
    }

    @Test func aServerThatExitsOnTheProbeIsNotTreatedAsLegacy() async throws {
        let server = ScriptedServer { message, _ in
            message["method"] == "server/discover" ? [.close("upstream closed the connection (end of stream)")] : []
        }
        let client = MCPClient(transport: server, configuration: .patient)
        await #expect(throws: MCPClientError.closed("upstream closed the connection (end of stream)")) {
            try await client.connect()
        }
        #expect(!server.sentMethods.contains("initialize"))
    }

    @Test(arguments: ["2026-07-28", "1999-01-01"])
    func initializeAnsweredWithANonHandshakeVersionIsIncompatible(version: String) async throws {
        let server = ScriptedServer { message, _ in
            message["method"] == "initialize" ? [ScriptedServer.result(for: message, ScriptedServer.initializeResult(version))] : []
        }
        let client = MCPClient(transport: server, configuration: .patient)
        await #expect {
            try await client.connect(era: .legacy)
        } throws: { error in
            guard case .incompatible(let why) = error as? MCPClientError else { return false }
            return why.contains(version)
        }
        #expect(client.negotiation == nil)
    }

    @Test func operationsBeforeConnectFail() async throws {
        let client = MCPClient(transport: ScriptedServer { _, _ in [] })
        await #expect(throws: MCPClientError.notConnected) { try await client.listTools() }
    }
}
