/// How often and how patiently a client retries a 429 or 5xx answer.
///
/// Why retries live in the client: rate limits and overloads (Anthropic's 529) are routine and
/// short; every caller would otherwise write the same loop. A retry only ever happens before the
/// stream has yielded an event, so the consumer never sees a turn start twice. Delays grow
/// exponentially from `baseDelay` up to `maxDelay`, with jitter so that many agents hitting the
/// same limit do not retry in lockstep; a `retry-after` from the provider replaces the computed
/// delay (still capped by `maxDelay`), and no retry is attempted when its delay would run past
/// the client's overall timeout.
public struct ModelRetryPolicy: Sendable, Hashable {
    /// Retries after the first attempt (0 disables retrying).
    public var maxRetries: Int
    /// The delay before the first retry, doubled for each further one.
    public var baseDelay: Duration
    /// The longest delay, also the cap on a provider's `retry-after`.
    public var maxDelay: Duration

    public init(maxRetries: Int = 2, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30)) {
        self.maxRetries = max(0, maxRetries)
        self.baseDelay = max(.zero, baseDelay)
        self.maxDelay = max(.zero, maxDelay)
    }

    /// No retries at all.
    public static let none = ModelRetryPolicy(maxRetries: 0)

    /// The delay before retry number `retry` (0 for the first), honouring the provider's
    /// `retryAfter` when it sent one.
    public func delay(beforeRetry retry: Int, retryAfter: Duration?) -> Duration {
        if let retryAfter { return min(max(.zero, retryAfter), maxDelay) }
        let exponential = baseDelay * Double(1 << min(max(retry, 0), 20))
        let capped = min(exponential, maxDelay)
        // Equal jitter: half the delay is fixed, the other half random.
        return capped / 2 + capped / 2 * Double.random(in: 0...1)
    }
}
