/// How `HTTPClientTransport` resumes a handshake-era SSE stream that ended too early: a request's
/// response stream that closed before the response, or the session's standalone GET stream
/// (DIGEST §13: reconnect with `GET` and `Last-Event-ID`, and the server replays that stream).
///
/// Why count only fruitless attempts: 2025-11-25 servers close streams on purpose and expect the
/// client to come back after their `retry:` time (SSE polling), so a reconnection that brings new
/// messages is progress and starts the count afresh. A server that keeps ending the stream
/// without sending anything new, or cannot be reached, is given up on after `maxAttempts`
/// reconnections in a row; the waiting request then fails with the reason.
public struct HTTPResumptionPolicy: Sendable, Equatable {
    /// Reconnections in a row that may bring no new message; 0 turns resumption off.
    public var maxAttempts: Int
    /// The wait before reconnecting when the server sent no `retry:` field.
    public var defaultDelay: Duration
    /// The longest wait honoured from a `retry:` field (a server cannot park us for a day).
    public var maxDelay: Duration

    public init(maxAttempts: Int = 3, defaultDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(30)) {
        self.maxAttempts = max(0, maxAttempts)
        self.defaultDelay = max(.zero, defaultDelay)
        self.maxDelay = max(.zero, maxDelay)
    }

    /// Never reconnect: a stream that ends early fails its request, as before 2025-03-26.
    public static let disabled = HTTPResumptionPolicy(maxAttempts: 0)

    /// The wait before the next reconnection, given the stream's last `retry:` value.
    func delay(retryMilliseconds: Int?) -> Duration {
        guard let ms = retryMilliseconds else { return min(defaultDelay, maxDelay) }
        return min(.milliseconds(ms), maxDelay)
    }
}
