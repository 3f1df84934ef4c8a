import Bridge
import Platform
import Testing

/// How many live connections a server's sharing mode makes: equal keys share one.
@Suite("UpstreamKey")
struct UpstreamKeyTests {
    static func server(_ sharing: String) throws -> UpstreamServer {
        UpstreamServer(id: "fs", workspaceID: "default",
                       spec: try UpstreamServerSpec.parse(["transport": "stdio", "command": "x", "sharing": .string(sharing)]),
                       enabled: true, createdAt: 0, updatedAt: 0)
    }

    @Test func sharingModesDecideWhoShares() throws {
        let shared = try Self.server("shared"), perAgent = try Self.server("per_agent"), perSession = try Self.server("per_session")
        #expect(UpstreamKey.key(for: shared, agentID: "a", sessionID: "s1") == UpstreamKey.key(for: shared, agentID: "b", sessionID: "s2"))
        #expect(UpstreamKey.key(for: perAgent, agentID: "a", sessionID: "s1") == UpstreamKey.key(for: perAgent, agentID: "a", sessionID: "s2"))
        #expect(UpstreamKey.key(for: perAgent, agentID: "a", sessionID: nil) != UpstreamKey.key(for: perAgent, agentID: "b", sessionID: nil))
        #expect(UpstreamKey.key(for: perSession, agentID: "a", sessionID: "s1") != UpstreamKey.key(for: perSession, agentID: "a", sessionID: "s2"))
        // Callers without a session never share one process across agents.
        let noSessionA = UpstreamKey.key(for: perSession, agentID: "a", sessionID: nil)
        #expect(noSessionA != UpstreamKey.key(for: perSession, agentID: "b", sessionID: nil))
        #expect(noSessionA == UpstreamKey.key(for: perSession, agentID: "a", sessionID: nil))
        #expect(UpstreamRegistry.isSessionScoped(noSessionA), "still stopped when idle")
    }
}
