import Synchronization

/// The producing end of a turn's stream, remembering what it has passed on.
///
/// Why: two decisions depend on it. A retry is only allowed while nothing was yielded (the
/// consumer must never see a turn start twice), and once `finished` was yielded the turn is
/// over, so a deadline that fires in the instant before the producer returns must not append an
/// error after it.
final class EventSink: Sendable {
    private let continuation: AsyncThrowingStream<ModelEvent, any Error>.Continuation
    private let yieldedAny = Atomic(false)
    private let yieldedFinished = Atomic(false)

    init(_ continuation: AsyncThrowingStream<ModelEvent, any Error>.Continuation) {
        self.continuation = continuation
    }

    var hasYielded: Bool { yieldedAny.load(ordering: .acquiring) }

    func yield(_ event: ModelEvent) {
        if case .finished = event { yieldedFinished.store(true, ordering: .releasing) }
        yieldedAny.store(true, ordering: .releasing)
        continuation.yield(event)
    }

    /// Ends the stream: normally, or with `error` unless the turn had already finished.
    func finish(throwing error: ModelError? = nil) {
        if let error, !yieldedFinished.load(ordering: .acquiring) {
            continuation.finish(throwing: error)
        } else {
            continuation.finish()
        }
    }
}
