import Dispatch
import JSON
import Synchronization

/// A transport to a server living in the same process (tests, an embedded engine).
///
/// Messages are serialized to bytes in both directions — the same JSON writer and classifier a
/// pipe would exercise — and each direction is delivered in order on its own serial queue, so
/// neither side ever runs inside the other's call stack (as with a real pipe).
public final class InMemoryClientTransport: MCPClientTransport {
    private let toServer: @Sendable ([UInt8]) -> Void
    private let onClose: (@Sendable () -> Void)?
    private let outbound = DispatchQueue(label: "mcpclient.memory.out")
    private let inbound = DispatchQueue(label: "mcpclient.memory.in")
    private let state = Mutex<(receive: (@Sendable (MCPTransportEvent) -> Void)?, closed: Bool)>((nil, false))

    /// - Parameters:
    ///   - toServer: receives each serialized message (one frame, no newline) in order.
    ///   - onClose: runs once when the client closes the transport.
    public init(toServer: @escaping @Sendable ([UInt8]) -> Void, onClose: (@Sendable () -> Void)? = nil) {
        self.toServer = toServer
        self.onClose = onClose
    }

    public func start(_ receive: @escaping @Sendable (MCPTransportEvent) -> Void) {
        state.withLock { $0.receive = receive }
    }

    public func send(_ message: MCPOutgoingMessage) {
        guard !state.withLock({ $0.closed }) else { return }
        let bytes = message.bytes
        let deliver = toServer
        outbound.async { deliver(bytes) }
    }

    /// Delivers one frame the server wrote.
    public func receive(_ bytes: [UInt8]) {
        inbound.async { [self] in
            guard let receive = state.withLock({ $0.closed ? nil : $0.receive }) else { return }
            for event in MCPTransportEvent.decode(bytes) { receive(event) }
        }
    }

    /// The server side went away: the client sees the connection close after every frame already
    /// delivered.
    public func serverClosed(reason: String = "upstream closed the connection (end of stream)") {
        inbound.async { [self] in
            guard let receive = state.withLock({ $0.receive }) else { return }
            receive(.closed(reason: reason))
        }
    }

    public func close() {
        let first = state.withLock { s -> Bool in
            defer { s.closed = true }
            return !s.closed
        }
        if first { outbound.async { [onClose] in onClose?() } }
    }
}
