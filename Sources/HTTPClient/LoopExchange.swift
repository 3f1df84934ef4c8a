/// The event loop's bookkeeping for one request: where it is (waiting for a connection, or on
/// one), its overall deadline and whether it was already retried.
///
/// Why separate from `Exchange`: `Exchange` is the Sendable meeting point with the caller; this
/// is loop-confined state that must never be touched from another thread.
final class LoopExchange {
    let request: PreparedRequest
    /// The connection carrying it (also while that connection resolves or connects); nil while
    /// it waits in its origin's queue.
    var connection: ClientConnection?
    /// A request is retried at most once (see `ClientLoop.canRetry`).
    var retried = false
    /// Monotonic ns of the overall deadline; 0 = none.
    var deadline: UInt64 = 0

    init(request: PreparedRequest) {
        self.request = request
    }

    var id: UInt64 { request.exchange.id }
    var origin: Origin { request.origin }
}
