import HTTPClient
import JSON

/// A `ModelClient` for the Anthropic Messages API.
///
/// Sends `POST {base}/v1/messages` with `x-api-key`, `anthropic-version: 2023-06-01` and a
/// streamed request (`AnthropicRequestBody`), and decodes the event stream
/// (`AnthropicStreamDecoder`). Status handling, retries, the deadline and cancellation are
/// `ProviderConnection`'s. The client holds no connection of its own: the `HTTPClient` pools
/// them (https through URLSession, plain http, as in tests, through our sockets).
public final class AnthropicModelClient: ModelClient {
    public static let defaultBaseURL = "https://api.anthropic.com"
    public static let apiVersion = "2023-06-01"

    private let endpoint: String
    private let apiKey: String
    private let connection: ProviderConnection

    /// - Parameters:
    ///   - baseURL: the API's base without `/v1` (nil: `https://api.anthropic.com`).
    ///   - timeoutSeconds: the deadline of a whole turn, retries included.
    public init(
        baseURL: String? = nil, apiKey: String, httpClient: HTTPClient, timeoutSeconds: Int = 120,
        retry: ModelRetryPolicy = ModelRetryPolicy()
    ) {
        endpoint = Self.join(baseURL ?? Self.defaultBaseURL, "v1/messages")
        self.apiKey = apiKey
        connection = ProviderConnection(
            provider: "anthropic", http: httpClient, secret: Secret(apiKey), timeoutSeconds: max(1, timeoutSeconds),
            retry: retry)
    }

    public func stream(_ request: ModelRequest) -> AsyncThrowingStream<ModelEvent, any Error> {
        let http = HTTPClientRequest(
            method: "POST", url: endpoint,
            headers: [
                ("x-api-key", apiKey), ("anthropic-version", Self.apiVersion), ("content-type", "application/json"),
                ("accept", "text/event-stream"),
            ],
            body: JSONWriter.bytes(AnthropicRequestBody.json(request)))
        return connection.stream(http) { AnthropicStreamDecoder() }
    }

    /// `base` and `path` with exactly one slash between them.
    static func join(_ base: String, _ path: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/" + path
    }
}
