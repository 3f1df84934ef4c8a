import JSONRPC

/// One reconnection `HTTPClientTransport` is about to make to resume an SSE stream, as told to
/// its `onResume` observer before the wait starts (for logs and metrics: a server that keeps
/// dropping streams shows up there long before a request fails).
public struct HTTPStreamResumption: Sendable, Equatable {
    /// The request whose response stream is resumed; nil for the session's standalone GET stream.
    public var requestID: RequestID?
    /// The `Last-Event-ID` the reconnection sends.
    public var lastEventID: String
    /// The wait before it: the server's `retry:` (capped) or the policy's default.
    public var delay: Duration
    /// 1 for the first reconnection since the stream last brought a message, then 2, 3, …
    public var attempt: Int

    public init(requestID: RequestID?, lastEventID: String, delay: Duration, attempt: Int) {
        self.requestID = requestID
        self.lastEventID = lastEventID
        self.delay = delay
        self.attempt = attempt
    }
}
