/// Where a peer's outgoing messages go. A transport implements it by framing and writing one
/// message at a time; implementations must be safe to call from many tasks at once and must never
/// interleave two messages.
public protocol JSONRPCMessageSink: Sendable {
    func send(_ message: JSONRPCMessage)
}
