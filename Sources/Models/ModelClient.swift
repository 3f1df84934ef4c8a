/// A model provider behind one streaming call.
///
/// Why one protocol for three very different providers: the agent runtime runs the same loop
/// (ask, stream text, run tool calls, ask again) whatever answers it, and tests run that loop
/// offline against `ScriptedModelClient`. Each implementation translates `ModelRequest` into its
/// wire format and the provider's stream back into `ModelEvent`s.
public protocol ModelClient: Sendable {
    /// Streams one model turn.
    ///
    /// The stream yields `ModelEvent`s and ends after `.finished`, or throws a `ModelError`.
    /// Cancelling the consuming Task (or dropping the iterator) stops the stream and closes the
    /// connection; the stream then simply ends.
    func stream(_ request: ModelRequest) -> AsyncThrowingStream<ModelEvent, any Error>
}
