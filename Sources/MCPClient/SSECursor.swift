import HTTPClient

/// Reads `text/event-stream` bodies while keeping what a reconnection needs: the stream's last
/// event ID and its reconnection time (DIGEST §13).
///
/// Why not `serverSentEvents()`: the sequence hides its parser, and both values are stream state
/// that can change without an event being dispatched (an `id:` or `retry:` block without data).
/// Feeding `SSEParser` directly sees them after every chunk. One cursor follows one logical
/// stream across its connections: a reconnection that sends no `id:` keeps the earlier one.
struct SSECursor: Sendable {
    /// The last non-empty event ID seen; empty while the stream has sent none.
    private(set) var lastEventID = ""
    /// The last valid `retry:` value in milliseconds, if any.
    private(set) var retryMilliseconds: Int?

    /// Reads `body` until it ends or `handle` returns false (the response is then dropped, which
    /// closes its connection), passing each event on in order. Throws what the body throws and
    /// `SSEParserError`.
    mutating func read(_ body: HTTPClientResponse.Body, maxEventBytes: Int, _ handle: (SSEEvent) -> Bool) async throws {
        var parser = SSEParser(maxEventBytes: maxEventBytes)
        for try await chunk in body {
            for event in try parser.feed(chunk) {
                if !event.lastEventID.isEmpty { lastEventID = event.lastEventID }
                if let retry = event.retry { retryMilliseconds = retry }
                guard handle(event) else { return }
            }
            if !parser.lastEventID.isEmpty { lastEventID = parser.lastEventID }
            if let retry = parser.reconnectionTime { retryMilliseconds = retry }
        }
    }
}
