import HTTPClient
import JSON
import Models
import Testing

/// The two HTTP providers, so error-path tests run against both wire formats.
enum Provider: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case anthropic, openai

    var testDescription: String { rawValue }

    func client(
        _ fixture: FixtureServer, _ http: HTTPClient, key: String? = testKey, timeoutSeconds: Int = 30,
        retry: ModelRetryPolicy = fastRetry
    ) -> any ModelClient {
        switch self {
        case .anthropic:
            AnthropicModelClient(
                baseURL: fixture.baseURL, apiKey: key ?? "", httpClient: http, timeoutSeconds: timeoutSeconds, retry: retry)
        case .openai:
            OpenAIModelClient(
                baseURL: fixture.baseURL + "/v1", apiKey: key, httpClient: http, timeoutSeconds: timeoutSeconds, retry: retry)
        }
    }

    /// A complete text-only turn in this provider's wire format.
    var textTranscript: String {
        switch self {
        case .anthropic: AnthropicTranscripts.text
        case .openai: OpenAITranscripts.text
        }
    }

    /// The events `textTranscript` decodes to.
    var textEvents: [ModelEvent] {
        switch self {
        case .anthropic:
            [.textDelta("Hello"), .textDelta(", world — ünïcode ✓"), .finished(.endTurn, ModelUsage(inputTokens: 25, outputTokens: 15))]
        case .openai:
            [.textDelta("Hello"), .textDelta(", world — ünïcode ✓"), .finished(.endTurn, ModelUsage(inputTokens: 9, outputTokens: 12))]
        }
    }
}

extension Provider {
    /// An error body in this provider's shape (without echoes).
    func errorBody(_ type: String, _ message: String) -> [UInt8] {
        switch self {
        case .anthropic:
            JSONWriter.bytes(["type": "error", "error": ["type": .string(type), "message": .string(message)]])
        case .openai:
            JSONWriter.bytes(["error": ["message": .string(message), "type": .string(type), "param": nil, "code": nil]])
        }
    }

    var truncatedTranscript: String {
        switch self {
        case .anthropic: AnthropicTranscripts.truncated
        case .openai: OpenAITranscripts.truncated
        }
    }

    var malformedTranscript: String {
        switch self {
        case .anthropic: AnthropicTranscripts.malformed
        case .openai: OpenAITranscripts.malformed
        }
    }

    /// The opening of a text answer, up to and including the first text delta (`Hel`).
    var openingTranscript: String {
        switch self {
        case .anthropic: AnthropicTranscripts.truncated
        case .openai: OpenAITranscripts.truncated
        }
    }
}
