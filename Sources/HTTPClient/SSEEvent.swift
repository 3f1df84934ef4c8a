/// One dispatched Server-Sent Event, as the WHATWG `EventSource` would deliver it.
///
/// Why `lastEventID` and `retry` are stream state, not per-event fields: in the WHATWG model an
/// `id:` line sets the stream's last event ID, which every later event carries until another
/// `id:` line changes it (an empty `id:` clears it), and `retry:` sets the stream's reconnection
/// time even in a block that dispatches nothing. A reconnecting client needs exactly those two
/// values, so each event reports them as they stood when it was dispatched.
public struct SSEEvent: Sendable, Equatable {
    /// The `event:` field, or `"message"` when the block had none.
    public var type: String
    /// The `data:` lines joined with `\n` (without a trailing newline).
    public var data: String
    /// The stream's last event ID at dispatch (empty when never set or cleared).
    public var lastEventID: String
    /// The stream's reconnection time in milliseconds (the last valid `retry:`), if any.
    public var retry: Int?

    public init(type: String = "message", data: String, lastEventID: String = "", retry: Int? = nil) {
        self.type = type
        self.data = data
        self.lastEventID = lastEventID
        self.retry = retry
    }
}
