import HTTPClient

/// Turns one provider's Server-Sent Events into `ModelEvent`s.
///
/// Why a protocol: `ProviderConnection` owns everything the two HTTP providers share (status
/// handling, retries, the deadline, cancellation, redaction); a decoder only knows its wire
/// format. Decoders are plain state machines, fed event by event, so tests could drive them
/// without sockets.
protocol ModelStreamDecoder: Sendable {
    /// True once the provider's final event (`message_stop`, `[DONE]`) was decoded; the
    /// connection stops reading then.
    var isComplete: Bool { get }

    /// The events one Server-Sent Event produces (often none). Throws `ModelError`, usually
    /// `malformedStream`, `invalidToolArguments`, or a provider error event mapped to a status.
    mutating func decode(_ event: SSEEvent) throws(ModelError) -> [ModelEvent]

    /// Called when the body ended before `isComplete`: the last events, or `malformedStream`.
    mutating func finishAtEndOfBody() throws(ModelError) -> [ModelEvent]
}
