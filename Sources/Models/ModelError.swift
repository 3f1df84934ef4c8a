/// Everything a model stream can fail with.
///
/// Why these cases: the runtime reacts differently to each — a bad key is a configuration
/// problem to show the operator, a rate limit or an overloaded provider is worth trying later,
/// a malformed stream or invalid tool arguments is the provider's fault for this turn only.
/// Retries (429, 5xx) have already happened when one of these reaches the caller.
///
/// No case ever holds the API key: provider messages are redacted (the key replaced wherever it
/// appears, before truncation) and transport errors never carry header values.
public enum ModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The provider refused the credentials (401 or 403, or an authentication error event).
    case unauthorized(provider: String)
    /// Still rate limited (429) after the retries; the last `retry-after` the provider sent.
    case rateLimited(retryAfterSeconds: Double?)
    /// A 5xx (or 529 overloaded) after the retries, or any other 4xx at once; `message` is the
    /// provider's error message, redacted and truncated.
    case server(status: Int, message: String)
    /// The event stream broke the provider's protocol: bad JSON, events out of order, or an end
    /// before the provider's final event.
    case malformedStream(String)
    /// The turn did not finish within the client's `timeoutSeconds`.
    case timeout(seconds: Int)
    /// The provider could not be reached or the connection failed (no header values, no URL).
    case transport(String)
    /// The model called `tool` with arguments that are not a JSON object.
    case invalidToolArguments(tool: String, reason: String)

    public var description: String {
        switch self {
        case .unauthorized(let provider):
            "the \(provider) API refused the credentials (check the API key)"
        case .rateLimited(let seconds):
            if let seconds {
                "the model provider is rate limiting requests (retry after \(Self.format(seconds)) s)"
            } else {
                "the model provider is rate limiting requests"
            }
        case .server(let status, let message):
            message.isEmpty ? "the model provider answered \(status)" : "the model provider answered \(status): \(message)"
        case .malformedStream(let why):
            "malformed model stream: \(why)"
        case .timeout(let seconds):
            "the model did not finish within \(seconds) s"
        case .transport(let why):
            "cannot reach the model provider: \(why)"
        case .invalidToolArguments(let tool, let reason):
            "the model called \(tool) with invalid arguments: \(reason)"
        }
    }

    /// `1.5`, and `2` rather than `2.0`.
    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int64(seconds)) : String(seconds)
    }

    /// This error as it may leave a client: `secret` replaced in every text it carries, then
    /// each text cut to `maxTextCharacters` (in that order, so a cut never leaves part of the
    /// key behind).
    func sanitized(hiding secret: Secret) -> ModelError {
        func clean(_ text: String) -> String {
            let redacted = secret.redact(text)
            guard redacted.count > Self.maxTextCharacters else { return redacted }
            return String(redacted.prefix(Self.maxTextCharacters)) + "…"
        }
        switch self {
        case .unauthorized(let provider): return .unauthorized(provider: clean(provider))
        case .rateLimited, .timeout: return self
        case .server(let status, let message): return .server(status: status, message: clean(message))
        case .malformedStream(let why): return .malformedStream(clean(why))
        case .transport(let why): return .transport(clean(why))
        case .invalidToolArguments(let tool, let reason):
            return .invalidToolArguments(tool: clean(tool), reason: clean(reason))
        }
    }

    /// Longest provider message (or other text) an error carries.
    static let maxTextCharacters = 300
}
