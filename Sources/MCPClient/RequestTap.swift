import JSONRPC

/// Learns the id `JSONRPCPeer` gives an outgoing request.
///
/// The peer numbers requests itself and hands them to its sink synchronously, on the calling
/// task, before it suspends. A task-local closure set around `peer.request` therefore sees the id
/// of exactly that request; the client needs it to tie listen acknowledgements, protocol
/// violations and wire errors to the right call.
enum RequestTap {
    @TaskLocal static var onSend: (@Sendable (RequestID) -> Void)?
}
