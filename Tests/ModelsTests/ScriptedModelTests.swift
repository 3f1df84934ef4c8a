import JSON
import Models
import Testing

@Suite("The scripted model")
struct ScriptedModelTests {
    let model = ScriptedModelClient(rules: [
        ScriptedRule(contains: "weather", reply: "It is always sunny here."),
        ScriptedRule(contains: "hello", reply: "Hi there, friend!"),
    ])

    private func turn(_ messages: [ModelMessage], tools: [ModelTool] = []) async throws -> [ModelEvent] {
        try await collect(model.stream(ModelRequest(model: "scripted", messages: messages, tools: tools)))
    }

    @Test func theFirstMatchingRuleAnswersCaseInsensitivelyInSeveralDeltas() async throws {
        let events = try await turn([.user("HELLO, what's the WEATHER like?")])
        #expect(text(events) == "It is always sunny here.")
        #expect(events.filter { if case .textDelta = $0 { true } else { false } }.count > 1)
        #expect(events.last == .finished(.endTurn, ModelUsage(inputTokens: 5, outputTokens: 5)))
    }

    @Test func withoutAMatchingRuleItEchoes() async throws {
        let events = try await turn([.user("nothing matches")])
        #expect(text(events) == "You said: nothing matches")
        #expect(events.last == .finished(.endTurn, ModelUsage(inputTokens: 2, outputTokens: 4)))
    }

    @Test func theSameConversationAlwaysGivesTheSameEvents() async throws {
        let messages: [ModelMessage] = [.user("/call a {\"x\": 1}\n/call b")]
        let first = try await turn(messages)
        let second = try await turn(messages)
        #expect(first == second)
    }

    @Test func callGroupsRunTurnByTurnWithUniqueIdsAndEndInASummary() async throws {
        let script = """
            Please do this:
            /call search {"query": "swift"}
            /call fetch
            /then
            /call summarize {"style": "short"}
            """
        var messages: [ModelMessage] = [.user(script)]

        // Turn 1: the first group, two parallel calls.
        let first = try await turn(messages)
        #expect(
            toolCalls(first) == [
                ModelToolCall(id: "call_1", name: "search", input: ["query": "swift"]),
                ModelToolCall(id: "call_2", name: "fetch", input: [:]),
            ])
        #expect(text(first).isEmpty)
        guard case .finished(.toolUse, _)? = first.last else {
            Issue.record("expected a toolUse finish, got \(String(describing: first.last))")
            return
        }
        messages.append(ModelMessage(role: .assistant, content: toolCalls(first).map { .toolUse(id: $0.id, name: $0.name, input: $0.input) }))
        messages.append(
            ModelMessage(
                role: .user,
                content: [.toolResult(id: "call_1", content: "3 hits", isError: false), .toolResult(id: "call_2", content: "404", isError: true)]))

        // Turn 2: the group after /then, with the next id.
        let second = try await turn(messages)
        #expect(toolCalls(second) == [ModelToolCall(id: "call_3", name: "summarize", input: ["style": "short"])])
        messages.append(ModelMessage(role: .assistant, content: toolCalls(second).map { .toolUse(id: $0.id, name: $0.name, input: $0.input) }))
        messages.append(ModelMessage(role: .user, content: [.toolResult(id: "call_3", content: "Swift is fine.", isError: false)]))

        // Turn 3: every group ran; a summary of the results since the script.
        let third = try await turn(messages)
        #expect(toolCalls(third).isEmpty)
        #expect(text(third) == "search → 3 hits\nfetch → (error) 404\nsummarize → Swift is fine.")
        guard case .finished(.endTurn, _)? = third.last else {
            Issue.record("expected an endTurn finish, got \(String(describing: third.last))")
            return
        }
    }

    @Test func idsStayUniqueAcrossScriptsInOneConversation() async throws {
        let messages: [ModelMessage] = [
            .user("/call a"),
            ModelMessage(role: .assistant, content: [.toolUse(id: "call_1", name: "a", input: [:])]),
            ModelMessage(role: .user, content: [.toolResult(id: "call_1", content: "ok", isError: false)]),
            .assistant("a → ok"),
            .user("/call b\n/call c"),
        ]
        let events = try await turn(messages)
        #expect(toolCalls(events).map(\.id) == ["call_2", "call_3"])
        #expect(toolCalls(events).map(\.name) == ["b", "c"])
    }

    @Test func aNewScriptStartsOverEvenAfterEarlierToolTurns() async throws {
        let messages: [ModelMessage] = [
            .user("/call a"),
            ModelMessage(role: .assistant, content: [.toolUse(id: "call_1", name: "a", input: [:])]),
            ModelMessage(role: .user, content: [.toolResult(id: "call_1", content: "ok", isError: false)]),
            .assistant("a → ok"),
            .user("hello again"),
        ]
        let events = try await turn(messages)
        #expect(text(events) == "Hi there, friend!")
    }

    @Test(arguments: [
        ("/call search {\"query\": ", "line 1", "not valid JSON"),
        ("fine\n/call search [1, 2]", "line 2", "not a JSON object (got array)"),
        ("/call", "line 1", "the tool name is missing"),
        ("/call a\n/sleep soon", "line 2", "whole number of milliseconds"),
    ])
    func anInvalidLineIsExplainedAndNothingIsCalled(_ script: String, _ line: String, _ reason: String) async throws {
        let events = try await turn([.user(script)])
        #expect(toolCalls(events).isEmpty)
        #expect(text(events).contains(line), "\(text(events))")
        #expect(text(events).contains(reason), "\(text(events))")
        guard case .finished(.endTurn, _)? = events.last else {
            Issue.record("expected an endTurn finish, got \(String(describing: events.last))")
            return
        }
    }

    @Test func aShortSleepDelaysButStillAnswers() async throws {
        let events = try await hangGuard { try await collect(self.model.stream(ModelRequest(model: "s", messages: [.user("/sleep 5\n/call a")]))) }
        #expect(toolCalls(events).map(\.name) == ["a"])
    }

    @Test func aLongSleepIsCancellable() async throws {
        let stream = model.stream(ModelRequest(model: "s", messages: [.user("/sleep 60000\nhello")]))
        let consumer = Task { try await collect(stream) }
        try await Task.sleep(for: .milliseconds(50))
        consumer.cancel()
        // Without cancellation this would take a minute; the hang guard is far shorter.
        let events = try await hangGuard(20) { try await consumer.value }
        #expect(events.isEmpty)
    }

    @Test func rulesParseFromTheirJSONForm() throws {
        let rules = try ScriptedRule.parse(from: [["contains": "ping", "reply": "pong"], ["contains": "", "reply": "default"]])
        #expect(rules == [ScriptedRule(contains: "ping", reply: "pong"), ScriptedRule(contains: "", reply: "default")])
    }

    @Test func invalidRulesReportEveryProblemWithItsPath() throws {
        let json: JSONValue = [
            ["contains": "a"],
            ["contains": 3, "reply": "x", "extra": true],
            "not an object",
            ["contains": "b", "reply": ""],
        ]
        #expect(throws: ScriptedRuleError.self) { try ScriptedRule.parse(from: json, path: "$.model.rules") }
        do {
            _ = try ScriptedRule.parse(from: json, path: "$.model.rules")
        } catch {
            #expect(
                error.problems == [
                    "$.model.rules[0].reply: required",
                    "$.model.rules[1].extra: unknown key (expected contains, reply)",
                    "$.model.rules[1].contains: expected a string, got number",
                    "$.model.rules[2]: expected an object with contains and reply, got string",
                    "$.model.rules[3].reply: must not be empty",
                ])
        }
        #expect(throws: ScriptedRuleError(problems: ["$: expected an array of {\"contains\", \"reply\"} objects, got object"])) {
            try ScriptedRule.parse(from: ["contains": "a", "reply": "b"])
        }
    }
}
