import HTTPServer
import JSON
import Models
import Testing

@Suite("Anthropic Messages client against a recorded-shape fixture")
struct AnthropicClientTests {
    @Test func aTextAnswerStreamsDeltasThenFinishesWithUsage() async throws {
        try await withFixture({ _, _ in sseResponse(AnthropicTranscripts.text) }) { fixture, http in
            let client = Provider.anthropic.client(fixture, http)
            let events = try await hangGuard { try await collect(client.stream(helloRequest)) }
            #expect(events == Provider.anthropic.textEvents)
        }
    }

    @Test func theRequestHasTheMessagesAPIShape() async throws {
        try await withFixture({ _, _ in sseResponse(AnthropicTranscripts.text) }) { fixture, http in
            let client = Provider.anthropic.client(fixture, http)
            _ = try await hangGuard { try await collect(client.stream(Conversation.request)) }
            let request = try #require(fixture.requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/messages")
            #expect(request.headers["x-api-key"] == testKey)
            #expect(request.headers["anthropic-version"] == "2023-06-01")
            #expect(request.headers["content-type"] == "application/json")
            #expect(request.headers["authorization"] == nil)

            let body = bodyJSON(request)
            #expect(body["model"] == "claude-sonnet-4")
            #expect(body["max_tokens"] == 4096)  // required by the API, so defaulted
            #expect(body["system"] == "You are terse.")
            #expect(body["temperature"] == 0.25)
            #expect(body["stream"] == true)
            #expect(
                body["tools"]
                    == [
                        ["name": "get_weather", "description": "Current weather for a place.", "input_schema": Conversation.weatherSchema],
                        ["name": "get_time", "description": "The current time.", "input_schema": ["type": "object"]],
                    ])
            let expectedMessages: JSONValue = [
                ["role": "user", "content": [["type": "text", "text": "Weather in SF, and the time?"]]],
                [
                    "role": "assistant",
                    "content": [
                        ["type": "text", "text": "Checking."],
                        ["type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": ["location": "SF"]],
                        ["type": "tool_use", "id": "toolu_2", "name": "get_time", "input": [:]],
                    ],
                ],
                // The two user messages are merged (roles must alternate), tool results first.
                [
                    "role": "user",
                    "content": [
                        ["type": "tool_result", "tool_use_id": "toolu_1", "content": "Sunny, 18 °C"],
                        ["type": "tool_result", "tool_use_id": "toolu_2", "content": "clock offline", "is_error": true],
                        ["type": "text", "text": "Be brief."],
                    ],
                ],
            ]
            #expect(body["messages"] == expectedMessages)
        }
    }

    @Test func anExplicitMaxTokensIsSentAndAnEmptySystemIsLeftOut() async throws {
        try await withFixture({ _, _ in sseResponse(AnthropicTranscripts.text) }) { fixture, http in
            let client = Provider.anthropic.client(fixture, http)
            let request = ModelRequest(model: "claude-haiku", system: "", messages: [.user("hi")], maxTokens: 64)
            _ = try await hangGuard { try await collect(client.stream(request)) }
            let body = bodyJSON(try #require(fixture.requests.first))
            #expect(body["max_tokens"] == 64)
            #expect(body["system"] == nil)
            #expect(body["tools"] == nil)
            #expect(body["temperature"] == nil)
        }
    }

    @Test func aToolUseIsYieldedOnceItsInputIsComplete() async throws {
        try await withFixture({ _, _ in sseResponse(AnthropicTranscripts.singleToolUse, pieceSize: 7) }) { fixture, http in
            let client = Provider.anthropic.client(fixture, http)
            let events = try await hangGuard { try await collect(client.stream(helloRequest)) }
            let call = ModelToolCall(
                id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name: "get_weather",
                input: ["location": "San Francisco, CA", "unit": "fahrenheit", "days": [1, 2]])
            #expect(
                events == [
                    .textDelta("Okay"), .textDelta(", let me check the weather."), .toolCall(call),
                    .finished(.toolUse, ModelUsage(inputTokens: 472, outputTokens: 89)),
                ])
        }
    }

    @Test func interleavedToolUsesAreAssembledPerBlock() async throws {
        try await withFixture({ _, _ in sseResponse(AnthropicTranscripts.parallelToolUses) }) { fixture, http in
            let client = Provider.anthropic.client(fixture, http)
            let events = try await hangGuard { try await collect(client.stream(helloRequest)) }
            #expect(
                events == [
                    .toolCall(ModelToolCall(id: "toolu_01A", name: "get_weather", input: ["location": "Paris"])),
                    .toolCall(ModelToolCall(id: "toolu_01B", name: "get_time", input: [:])),
                    .finished(.toolUse, ModelUsage(inputTokens: 25, outputTokens: 40)),
                ])
        }
    }

    @Test func anOverloadedErrorEventBeforeAnyOutputIsRetried() async throws {
        try await withFixture({ _, index in
            sseResponse(index == 0 ? AnthropicTranscripts.overloaded : AnthropicTranscripts.text)
        }) { fixture, http in
            let client = Provider.anthropic.client(fixture, http)
            let events = try await hangGuard { try await collect(client.stream(helloRequest)) }
            #expect(events == Provider.anthropic.textEvents)
            #expect(fixture.requests.count == 2)
        }
    }

    @Test func anOverloadedErrorEventWithoutRetriesIsAServerError() async throws {
        try await withFixture({ _, _ in sseResponse(AnthropicTranscripts.overloaded) }) { fixture, http in
            let client = Provider.anthropic.client(fixture, http, retry: .none)
            let error = try await hangGuard { await modelError(client.stream(helloRequest)) }
            #expect(error == .server(status: 529, message: "overloaded_error: Overloaded"))
        }
    }

    @Test func anErrorAfterTextHasStreamedIsNotRetried() async throws {
        let transcript = AnthropicTranscripts.messageStart + #"""
            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Par"}}

            event: error
            data: {"type":"error","error":{"type":"api_error","message":"Internal server error"}}


            """#
        try await withFixture({ _, _ in sseResponse(transcript) }) { fixture, http in
            let client = Provider.anthropic.client(fixture, http)
            var events: [ModelEvent] = []
            var failure: (any Error)?
            do {
                for try await event in client.stream(helloRequest) { events.append(event) }
            } catch {
                failure = error
            }
            #expect(events == [.textDelta("Par")])
            #expect(failure as? ModelError == .server(status: 500, message: "api_error: Internal server error"))
            #expect(fixture.requests.count == 1)
        }
    }

    @Test func aToolUseWithInvalidInputFailsTheTurn() async throws {
        try await withFixture({ _, _ in sseResponse(AnthropicTranscripts.invalidToolInput) }) { fixture, http in
            let client = Provider.anthropic.client(fixture, http)
            let error = try #require(try await hangGuard { await modelError(client.stream(helloRequest)) })
            guard case .invalidToolArguments(let tool, let reason) = error else {
                Issue.record("expected invalidToolArguments, got \(error)")
                return
            }
            #expect(tool == "search")
            #expect(reason.contains("not valid JSON"))
        }
    }
}
