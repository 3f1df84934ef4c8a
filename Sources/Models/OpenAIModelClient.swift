import HTTPClient
import JSON

/// A `ModelClient` for OpenAI Chat Completions and the servers compatible with it (Ollama,
/// vLLM, LM Studio, OpenRouter).
///
/// Sends `POST {base}/chat/completions`, streamed (`OpenAIRequestBody`), with
/// `Authorization: Bearer` unless there is no key (local servers need none), and decodes the
/// chunk stream (`OpenAIStreamDecoder`). Status handling, retries, the deadline and
/// cancellation are `ProviderConnection`'s.
public final class OpenAIModelClient: ModelClient {
    public static let defaultBaseURL = "https://api.openai.com/v1"

    private let endpoint: String
    private let apiKey: String?
    private let connection: ProviderConnection

    /// - Parameters:
    ///   - baseURL: the API's base including any version segment (nil: `https://api.openai.com/v1`;
    ///     Ollama: `http://127.0.0.1:11434/v1`).
    ///   - apiKey: nil (or empty) sends no `Authorization`.
    ///   - timeoutSeconds: the deadline of a whole turn, retries included.
    public init(
        baseURL: String? = nil, apiKey: String?, httpClient: HTTPClient, timeoutSeconds: Int = 120,
        retry: ModelRetryPolicy = ModelRetryPolicy()
    ) {
        endpoint = AnthropicModelClient.join(baseURL ?? Self.defaultBaseURL, "chat/completions")
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        connection = ProviderConnection(
            provider: "openai", http: httpClient, secret: Secret(apiKey), timeoutSeconds: max(1, timeoutSeconds),
            retry: retry)
    }

    public func stream(_ request: ModelRequest) -> AsyncThrowingStream<ModelEvent, any Error> {
        var http = HTTPClientRequest(
            method: "POST", url: endpoint,
            headers: [("content-type", "application/json"), ("accept", "text/event-stream")],
            body: JSONWriter.bytes(OpenAIRequestBody.json(request)))
        if let apiKey { http.addHeader("authorization", "Bearer \(apiKey)") }
        return connection.stream(http) { OpenAIStreamDecoder() }
    }
}
