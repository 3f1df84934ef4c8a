import Foundation
import JSON
import Platform
import Runtime
import Testing

/// The model ↔ tools loop with the scripted model and real upstreams: a run calls mcp-server-time
/// through its binding and answers with the result; the governed allow-list applies; session
/// history reaches the model; sub-agents run as child runs under a depth limit; max_steps stops a
/// run that keeps calling tools; missing variables stop a run before it exists; readers follow a
/// run live and resume after any event.
@Suite("Runtime: the run loop", .serialized, .timeLimit(.minutes(5)))
struct RunLoopTests {
    static let clock = """
        {"upstream_servers": {"time": {"transport": "stdio", "command": "$MCP_SERVER_TIME", "args": ["--local-timezone", "UTC"]}},
         "agents": {"clock": {"name": "Clock", "instructions": "Answer for the {{team}} team.", "model": "scripted/demo",
                              "bindings": [{"server": "time", "allowed_tools": ["get_current_time"], "timeout_s": 60}]}}}
        """

    @Test func aRunCallsMcpServerTimeThroughItsBindingAndAnswersWithTheResult() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Self.clock) { harness in
            let outcome = try await harness.run(
                "clock", #"/call time__get_current_time {"timezone": "Europe/Paris"}"#, variables: ["team": "ops"])
            #expect(outcome.name == "completed", "\(outcome.run.error ?? "")")
            #expect(outcome.text.hasPrefix("time__get_current_time → "))
            #expect(outcome.text.contains("Europe/Paris"))
            let events = try harness.events(outcome.run.id)
            let kinds = events.map(\.type).filter { $0 != .messageDelta }
            #expect(kinds == [.runStarted, .messageCompleted, .toolCall, .toolResult, .messageCompleted, .runCompleted])
            let result = try #require(events.first { $0.type == .toolResult })
            #expect(result.data["is_error"] == false)
            #expect(result.data["content"]?.stringValue?.contains("Europe/Paris") == true)
            #expect(events.contains { $0.type == .messageDelta })

            // Usage: one step per model turn, tokens recorded, per-agent totals add up.
            #expect(outcome.run.steps == 2)
            #expect(outcome.run.tokensIn > 0 && outcome.run.tokensOut > 0)
            let usage = try harness.runtime.usage(caller: harness.caller, agentID: "clock")
            #expect(usage == [AgentUsage(agentID: "clock", runs: 1, steps: 2, tokensIn: outcome.run.tokensIn, tokensOut: outcome.run.tokensOut)])
        }
    }

    @Test func aToolOutsideTheAllowListIsAnUnknownToolForTheModel() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Self.clock) { harness in
            let outcome = try await harness.run(
                "clock", #"/call time__convert_time {"source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"}"#,
                variables: ["team": "ops"])
            #expect(outcome.name == "completed")
            let events = try harness.events(outcome.run.id)
            #expect(!events.contains { $0.type == .toolCall }, "nothing reached the upstream")
            let result = try #require(events.first { $0.type == .toolResult })
            #expect(result.data["is_error"] == true)
            #expect(result.data["refused"] == true)
        }
    }

    @Test func aMissingVariableStopsTheRunBeforeItExists() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Self.clock) { harness in
            #expect(throws: PlatformError.self) { try harness.start("clock", "what time is it?") }
            let runs = try RunStore(database: harness.database).list(caller: harness.caller)
            #expect(runs.isEmpty)
        }
    }

    @Test func theSessionsEarlierRunsAreTheModelsHistory() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Self.clock) { harness in
            let call = #"/call time__get_current_time {"timezone": "UTC"}"#
            let first = try harness.start("clock", call, variables: ["team": "ops"])
            _ = try await harness.runtime.drive(caller: harness.caller, runID: first.id)
            let second = try harness.start("clock", call, variables: ["team": "ops"], session: .existing(first.sessionID))
            _ = try await harness.runtime.drive(caller: harness.caller, runID: second.id)
            // The scripted model numbers calls across the conversation it is given: the second
            // run's call is call_2 because the first run's exchange was part of it.
            let ids = try harness.events(second.id).filter { $0.type == .toolCall }.compactMap { $0.data["tool_call_id"]?.stringValue }
            #expect(ids == ["call_2"])
            let fresh = try harness.start("clock", call, variables: ["team": "ops"])
            _ = try await harness.runtime.drive(caller: harness.caller, runID: fresh.id)
            #expect(try harness.events(fresh.id).filter { $0.type == .toolCall }.compactMap { $0.data["tool_call_id"]?.stringValue } == ["call_1"])
        }
    }

    static let team = """
        {"agents": {
          "deep": {"name": "Deep", "instructions": "i", "model": "scripted/x", "script": {"rules": [{"contains": "go", "reply": "went"}]}},
          "helper": {"name": "Helper", "description": "Knows things.", "instructions": "i", "model": "scripted/x",
                     "script": {"rules": [{"contains": "hello", "reply": "Helper here."}]}, "sub_agents": ["deep"]},
          "boss": {"name": "Boss", "instructions": "i", "model": "scripted/x", "sub_agents": ["helper"]}}}
        """

    @Test func aSubAgentRunsAsAChildRunAndItsAnswerIsTheToolResult() async throws {
        try await RuntimeHarness.with(manifest: Self.team) { harness in
            let outcome = try await harness.run("boss", #"/call agent__helper {"message": "hello from the boss"}"#)
            #expect(outcome.name == "completed", "\(outcome.run.error ?? "")")
            #expect(outcome.text == "agent__helper → Helper here.")
            let result = try #require(try harness.events(outcome.run.id).first { $0.type == .toolResult })
            let childID = try #require(result.data["child_run_id"]?.stringValue)
            let child = try harness.get(childID)
            #expect(child.agentID == "helper")
            #expect(child.status == .completed)
            #expect(child.input["parent"]?["run_id"]?.stringValue == outcome.run.id)
            #expect(child.input["parent"]?["depth"] == 1)
        }
    }

    @Test func subAgentsStopAtTheDepthLimit() async throws {
        try await RuntimeHarness.with(manifest: Self.team, configure: { $0.maxSubAgentDepth = 1 }) { harness in
            let outcome = try await harness.run("boss", #"/call agent__helper {"message": "/call agent__deep {\"message\": \"go deeper\"}"}"#)
            #expect(outcome.name == "completed", "\(outcome.run.error ?? "")")
            let child = try #require(try harness.events(outcome.run.id).first { $0.type == .toolResult }?.data["child_run_id"]?.stringValue)
            let refused = try #require(try harness.events(child).first { $0.type == .toolResult })
            #expect(refused.data["refused"] == true)
            #expect(refused.data["content"]?.stringValue?.contains("depth limit (1)") == true)
            #expect(try harness.runtime.usage(caller: harness.caller, agentID: "deep").first?.runs == 0, "the deep agent never ran")
        }
    }

    @Test func maxStepsFailsARunThatKeepsCallingTools() async throws {
        try Paths.requirePythonUpstreams()
        let manifest = Manifests.fixtureAuto.replacingOccurrences(of: #""model": "scripted/test","#, with: #""model": "scripted/test", "max_steps": 2,"#)
        try await RuntimeHarness.with(manifest: manifest) { harness in
            let outcome = try await harness.run("fixer", """
                /call fix__record {"text": "one"}
                /then
                /call fix__record {"text": "two"}
                /then
                /call fix__record {"text": "three"}
                """)
            #expect(outcome.name == "failed")
            #expect(outcome.run.error?.contains("max_steps (2)") == true, "\(outcome.run.error ?? "")")
            #expect(outcome.run.steps == 2)
            // The turn that asked for tools with no step left was not executed.
            #expect(fixtureLog(harness.fixtureLogPath).filter { $0.hasPrefix("record") } == [#"record {"text": "one"}"#])
        }
    }

    @Test func readersFollowARunLiveAndResumeAfterAnyEvent() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixtureAuto) { harness in
            let run = try harness.start("fixer", "/call fix__record {\"text\": \"seen\"}\n/then\n/sleep 200")
            let follower = Task { () -> [Event] in
                var seen: [Event] = []
                for try await event in harness.runtime.events(caller: harness.caller, runID: run.id) { seen.append(event) }
                return seen
            }
            let outcome = try await harness.runtime.drive(caller: harness.caller, runID: run.id)
            #expect(outcome.name == "completed")
            let live = try await follower.value
            let stored = try harness.events(run.id)
            #expect(live == stored, "the live stream is the log, in order, ending with the terminal event")
            #expect(live.last?.type == .runCompleted)
            #expect(zip(live, live.dropFirst()).allSatisfy { $0.seq + 1 == $1.seq })

            let cut = stored[stored.count / 2].seq
            var resumed: [Event] = []
            for try await event in harness.runtime.events(caller: harness.caller, runID: run.id, after: cut) { resumed.append(event) }
            #expect(resumed == Array(stored.filter { $0.seq > cut }))
        }
    }
}
