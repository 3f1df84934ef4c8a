/// A validated request on its way to the event loop: wire bytes plus what the loop needs to
/// route, time and possibly retry it.
///
/// Why a Sendable value: it crosses from the caller's Task into the loop's inbox; the loop
/// keeps its own confined bookkeeping (`LoopExchange`) around it.
struct PreparedRequest: Sendable {
    let exchange: Exchange
    let origin: Origin
    /// Request line, fields and body, ready to write.
    let bytes: [UInt8]
    let isHeadRequest: Bool
    let isIdempotent: Bool
    let timeouts: HTTPClient.Timeouts
    /// Monotonic ns when `execute` was called (the overall deadline counts from here).
    let startedAt: UInt64
}
