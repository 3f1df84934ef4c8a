/// A second road for `tools/call` beside the engine: the gateway's tool-call relay, which
/// forwards plain calls to an upstream without building JSON trees. A transport offers each
/// fully checked 2026 `tools/call` to its lane first; the lane takes it (and later answers
/// through `sink`) or leaves it to the engine. Protocols rather than closures: a call's answer
/// target is stored per call, and function values passed through generic storage get wrapped
/// in conversion thunks.
public protocol CallLane: AnyObject, Sendable {
    /// Takes the request in `body` when the lane handles it and returns its handle; `sink` then
    /// gets the JSON-RPC response (one JSON text), unless the call is cancelled first.
    func take(_ body: UnsafeBufferPointer<UInt8>, answeringTo sink: any CallAnswerSink) -> UInt64?
    /// The caller went away: the call ends and nobody is answered.
    func cancel(_ handle: UInt64)
}

/// Where the answer of one call taken by a `CallLane` goes.
public protocol CallAnswerSink: AnyObject, Sendable {
    func answer(_ response: [UInt8])
}
