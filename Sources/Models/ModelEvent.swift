/// What a streamed model turn yields, in order.
///
/// Text arrives as it is generated; a tool call only once it is complete (a half-streamed call
/// is useless to the runtime); `finished` comes exactly once, last. A stream that fails throws a
/// `ModelError` instead of yielding `finished`.
public enum ModelEvent: Sendable, Hashable {
    /// Streamed text as it arrives.
    case textDelta(String)
    /// A complete tool call, arguments assembled from the deltas and parsed.
    case toolCall(ModelToolCall)
    /// The end of the turn: why, and the usage when the provider reported it.
    case finished(ModelStopReason, ModelUsage?)
}
