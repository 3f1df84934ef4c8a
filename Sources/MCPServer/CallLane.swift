/// A second road for `tools/call` beside the engine: the gateway's tool-call relay, which
/// forwards plain calls to an upstream without building JSON trees. A transport offers each
/// 2026 `tools/call` to its lane first; the lane takes it (and later answers through `sink`) or
/// leaves it to the engine. Protocols rather than closures: a call's answer target is stored
/// per call, and function values passed through generic storage get wrapped in conversion thunks.
public protocol CallLane: AnyObject, Sendable {
    /// Takes the request in `body` when the lane handles it and returns its handle; `sink` then
    /// gets the JSON-RPC response (one JSON text), unless the call is cancelled first.
    ///
    /// `routing` nil: the transport parsed the request and checked everything it checks (the
    /// body is a well-formed call). Otherwise nothing of the body has been looked at yet, and
    /// the lane may take the call only when its body agrees with `routing` — any disagreement
    /// leaves the call to the transport's full checks, which answer it precisely.
    /// `executor`: where the transport runs its handlers, for work the lane defers.
    func take(_ body: UnsafeBufferPointer<UInt8>, routing: CallRouting?, executor: (any TaskExecutor)?,
              answeringTo sink: any CallAnswerSink) -> UInt64?
    /// The caller went away: the call ends and nobody is answered.
    func cancel(_ handle: UInt64)
}

/// What a 2026 HTTP request's routing headers promise about its body, read before the body is
/// parsed: the body's `_meta` protocol version and `params.name` must equal these.
public struct CallRouting: Sendable, Equatable {
    public var protocolVersion: String
    public var toolName: String

    public init(protocolVersion: String, toolName: String) {
        self.protocolVersion = protocolVersion
        self.toolName = toolName
    }
}

/// Where the answer of one call taken by a `CallLane` goes.
public protocol CallAnswerSink: AnyObject, Sendable {
    /// `status`: the HTTP status the answer goes out with when it is the whole response — 200,
    /// or the status of its JSON-RPC error (`StatusMapping`; 400 for −32021).
    func answer(_ response: [UInt8], status: Int)
}

extension CallAnswerSink {
    /// A result (HTTP 200).
    public func answer(_ response: [UInt8]) { answer(response, status: 200) }
}
