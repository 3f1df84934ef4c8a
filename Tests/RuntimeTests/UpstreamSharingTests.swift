// UpstreamSharingTests: a server's `sharing` mode decides how many upstream processes runs use.

import Bridge
import Foundation
import Platform
import Runtime
import Testing

/// Why: `per_session` promises each platform session its own upstream process (state such as a
/// browser or a shell never leaks between conversations) and `per_agent` one per agent; a mode
/// that silently shared one process would break that promise without any error. Sessions end
/// without notice, so session processes are stopped when idle — never while a call runs.
@Suite("Upstream sharing modes", .serialized)
struct UpstreamSharingTests {
    static func manifest(sharing: String) -> String {
        """
        {"upstream_servers": {"ref": {"transport": "stdio", "command": "$AGENTBRIDGE", "args": ["reference-server", "--tools", "2"], "sharing": "\(sharing)"}},
         "agents": {
           "one": {"name": "One", "instructions": "i", "model": "scripted/x", "bindings": [{"server": "ref", "allowed_tools": ["echo"]}]},
           "two": {"name": "Two", "instructions": "i", "model": "scripted/x", "bindings": [{"server": "ref", "allowed_tools": ["echo"]}]}}}
        """
    }

    /// Runs `agent` with one echo call in `session` (a new one when nil); returns the run.
    static func echo(_ harness: RuntimeHarness, _ agent: String, session: String? = nil) async throws -> Run {
        let run = try harness.start(agent, #"/call ref__echo {"text": "hi"}"#, session: session.map(SessionChoice.existing))
        let outcome = try await harness.runtime.drive(caller: harness.caller, runID: run.id)
        #expect(outcome.name == "completed", "\(outcome)")
        #expect(try harness.events(run.id).contains { $0.type == .toolResult && !"\($0.data)".contains("isError\":true") })
        return run
    }

    static func scopes(_ harness: RuntimeHarness) -> [String] {
        harness.registry.all.map { $0.key.scope ?? "shared" }.sorted()
    }

    @Test func perSessionGivesEachSessionItsOwnProcessAndStopsIdleOnes() async throws {
        try await RuntimeHarness.with(manifest: Self.manifest(sharing: "per_session")) { harness in
            let first = try await Self.echo(harness, "one")
            _ = try await Self.echo(harness, "one", session: first.sessionID)
            let second = try await Self.echo(harness, "one")
            #expect(Self.scopes(harness) == ["session:\(first.sessionID)", "session:\(second.sessionID)"].sorted())

            // A call in flight keeps its session's process, however old its last use.
            let key = try #require(harness.registry.all.first { $0.key.scope == "session:\(first.sessionID)" }?.key)
            let otherKey = try #require(harness.registry.all.first { $0.key.scope == "session:\(second.sessionID)" }?.key)
            let reaped = await harness.registry.using(key) {
                await harness.registry.stopIdleSessionUpstreams(now: .now + .seconds(86_400))
            }
            #expect(reaped == [otherKey])
            #expect(Self.scopes(harness) == ["session:\(first.sessionID)"])

            // Idle: stopped; the session's next call starts a new process.
            let stopped = await harness.registry.stopIdleSessionUpstreams(now: .now + .seconds(86_400))
            #expect(stopped == [key])
            #expect(harness.registry.all.isEmpty)
            _ = try await Self.echo(harness, "one", session: first.sessionID)
            #expect(Self.scopes(harness) == ["session:\(first.sessionID)"])
        }
    }

    @Test func perAgentAndSharedProcessesOutliveIdleness() async throws {
        try await RuntimeHarness.with(manifest: Self.manifest(sharing: "per_agent")) { harness in
            _ = try await Self.echo(harness, "one")
            _ = try await Self.echo(harness, "one")
            _ = try await Self.echo(harness, "two")
            #expect(Self.scopes(harness) == ["agent:one", "agent:two"])
            #expect(await harness.registry.stopIdleSessionUpstreams(now: .now + .seconds(86_400)).isEmpty)
            #expect(harness.registry.all.count == 2)
        }
        try await RuntimeHarness.with(manifest: Self.manifest(sharing: "shared")) { harness in
            _ = try await Self.echo(harness, "one")
            _ = try await Self.echo(harness, "two")
            #expect(Self.scopes(harness) == ["shared"])
        }
    }
}
