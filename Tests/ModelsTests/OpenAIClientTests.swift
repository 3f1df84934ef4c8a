import Foundation
import HTTPServer
import JSON
import Models
import Testing

@Suite("OpenAI Chat Completions client against a recorded-shape fixture")
struct OpenAIClientTests {
    @Test func aTextAnswerStreamsDeltasThenFinishesWithTheUsageChunk() async throws {
        try await withFixture({ _, _ in sseResponse(OpenAITranscripts.text) }) { fixture, http in
            let client = Provider.openai.client(fixture, http)
            let events = try await hangGuard { try await collect(client.stream(helloRequest)) }
            #expect(events == Provider.openai.textEvents)
        }
    }

    @Test func aServerThatOmitsUsageStillFinishes() async throws {
        try await withFixture({ _, _ in sseResponse(OpenAITranscripts.textWithoutUsage) }) { fixture, http in
            let client = Provider.openai.client(fixture, http)
            let events = try await hangGuard { try await collect(client.stream(helloRequest)) }
            #expect(events == [.textDelta("Hi"), .finished(.endTurn, nil)])
        }
    }

    @Test func aServerThatEndsAfterTheFinishReasonWithoutDoneStillFinishes() async throws {
        let transcript = OpenAITranscripts.textWithoutUsage.replacingOccurrences(of: "data: [DONE]\n\n", with: "")
        try await withFixture({ _, _ in sseResponse(transcript) }) { fixture, http in
            let client = Provider.openai.client(fixture, http)
            let events = try await hangGuard { try await collect(client.stream(helloRequest)) }
            #expect(events == [.textDelta("Hi"), .finished(.endTurn, nil)])
        }
    }

    @Test func aServerThatReportsStopForToolCallsIsReadAsToolUse() async throws {
        let transcript = OpenAITranscripts.singleToolCall.replacingOccurrences(of: #""finish_reason":"tool_calls""#, with: #""finish_reason":"stop""#)
        try await withFixture({ _, _ in sseResponse(transcript) }) { fixture, http in
            let client = Provider.openai.client(fixture, http)
            let events = try await hangGuard { try await collect(client.stream(helloRequest)) }
            #expect(toolCalls(events).map(\.name) == ["get_weather"])
            #expect(events.last == .finished(.toolUse, ModelUsage(inputTokens: 9, outputTokens: 12)))
        }
    }

    @Test func theRequestHasTheChatCompletionsShape() async throws {
        try await withFixture({ _, _ in sseResponse(OpenAITranscripts.text) }) { fixture, http in
            let client = Provider.openai.client(fixture, http)
            var request = Conversation.request
            request.model = "gpt-4o-mini"
            request.maxTokens = 256
            _ = try await hangGuard { [request] in try await collect(client.stream(request)) }
            let sent = try #require(fixture.requests.first)
            #expect(sent.method == "POST")
            #expect(sent.path == "/v1/chat/completions")
            #expect(sent.headers["authorization"] == "Bearer \(testKey)")
            #expect(sent.headers["content-type"] == "application/json")
            #expect(sent.headers["x-api-key"] == nil)

            let body = bodyJSON(sent)
            #expect(body["model"] == "gpt-4o-mini")
            #expect(body["max_tokens"] == 256)
            #expect(body["temperature"] == 0.25)
            #expect(body["stream"] == true)
            #expect(body["stream_options"] == ["include_usage": true])
            #expect(
                body["tools"]
                    == [
                        [
                            "type": "function",
                            "function": [
                                "name": "get_weather", "description": "Current weather for a place.",
                                "parameters": Conversation.weatherSchema,
                            ],
                        ],
                        [
                            "type": "function",
                            "function": ["name": "get_time", "description": "The current time.", "parameters": ["type": "object"]],
                        ],
                    ])
            let messages = try #require(body["messages"]?.arrayValue)
            #expect(messages.count == 6)
            guard messages.count == 6 else { return }
            #expect(messages[0] == ["role": "system", "content": "You are terse."])
            #expect(messages[1] == ["role": "user", "content": "Weather in SF, and the time?"])
            #expect(messages[2]["role"] == "assistant")
            #expect(messages[2]["content"] == "Checking.")
            let calls = try #require(messages[2]["tool_calls"]?.arrayValue)
            #expect(calls.count == 2)
            #expect(calls.map { $0["id"] } == ["toolu_1", "toolu_2"])
            #expect(calls.allSatisfy { $0["type"] == "function" })
            #expect(calls.map { $0["function"]?["name"] } == ["get_weather", "get_time"])
            // Arguments travel as JSON text.
            let arguments = try calls.map { call in try JSONParser.parse(#require(call["function"]?["arguments"]?.stringValue)) }
            #expect(arguments == [["location": "SF"], [:]])
            #expect(messages[3] == ["role": "tool", "tool_call_id": "toolu_1", "content": "Sunny, 18 °C"])
            #expect(messages[4] == ["role": "tool", "tool_call_id": "toolu_2", "content": "Error: clock offline"])
            #expect(messages[5] == ["role": "user", "content": "Be brief."])
        }
    }

    @Test func withoutAKeyNoAuthorizationIsSentAndAnAssistantTurnOfOnlyCallsHasNullContent() async throws {
        try await withFixture({ _, _ in sseResponse(OpenAITranscripts.text) }) { fixture, http in
            let client = Provider.openai.client(fixture, http, key: nil)
            let request = ModelRequest(
                model: "llama3.2",
                messages: [
                    .user("go"),
                    ModelMessage(role: .assistant, content: [.toolUse(id: "c1", name: "ping", input: [:])]),
                    ModelMessage(role: .user, content: [.toolResult(id: "c1", content: "pong", isError: false)]),
                ])
            _ = try await hangGuard { [request] in try await collect(client.stream(request)) }
            let sent = try #require(fixture.requests.first)
            #expect(sent.headers["authorization"] == nil)
            let messages = try #require(bodyJSON(sent)["messages"]?.arrayValue)
            #expect(messages.count == 3)
            #expect(messages.first == ["role": "user", "content": "go"])
            #expect(messages.dropFirst().first?["content"] == .null)
            #expect(bodyJSON(sent)["max_tokens"] == nil)
        }
    }

    @Test func aToolCallIsYieldedWithItsArgumentsAssembled() async throws {
        try await withFixture({ _, _ in sseResponse(OpenAITranscripts.singleToolCall, pieceSize: 5) }) { fixture, http in
            let client = Provider.openai.client(fixture, http)
            let events = try await hangGuard { try await collect(client.stream(helloRequest)) }
            let call = ModelToolCall(
                id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather",
                input: ["location": "San Francisco, CA", "unit": "celsius"])
            #expect(events == [.toolCall(call), .finished(.toolUse, ModelUsage(inputTokens: 9, outputTokens: 12))])
        }
    }

    @Test func parallelToolCallsInterleavedByIndexAreSeparated() async throws {
        try await withFixture({ _, _ in sseResponse(OpenAITranscripts.parallelToolCalls) }) { fixture, http in
            let client = Provider.openai.client(fixture, http)
            let events = try await hangGuard { try await collect(client.stream(helloRequest)) }
            #expect(
                events == [
                    .toolCall(ModelToolCall(id: "call_A1", name: "get_weather", input: ["location": "Paris"])),
                    .toolCall(ModelToolCall(id: "call_B2", name: "get_time", input: ["zone": "CET"])),
                    .finished(.toolUse, ModelUsage(inputTokens: 9, outputTokens: 12)),
                ])
        }
    }

    @Test func argumentsThatAreNotAnObjectFailTheTurn() async throws {
        try await withFixture({ _, _ in sseResponse(OpenAITranscripts.invalidToolArguments) }) { fixture, http in
            let client = Provider.openai.client(fixture, http)
            let error = try await hangGuard { await modelError(client.stream(helloRequest)) }
            #expect(error == .invalidToolArguments(tool: "search", reason: "not a JSON object (got array)"))
        }
    }

    @Test func anErrorChunkBeforeAnyOutputIsRetriedThenReported() async throws {
        try await withFixture({ _, _ in sseResponse(OpenAITranscripts.errorChunk) }) { fixture, http in
            let client = Provider.openai.client(fixture, http, retry: ModelRetryPolicy(maxRetries: 1, baseDelay: .milliseconds(1)))
            let error = try await hangGuard { await modelError(client.stream(helloRequest)) }
            #expect(error == .server(status: 500, message: "server_error: The server had an error while processing your request."))
            #expect(fixture.requests.count == 2)
        }
    }
}
