/// Writes a streaming response body (chunked on HTTP/1.1, close-delimited on HTTP/1.0).
///
/// Why a class handed to the body closure: it is the handler's only handle on a live
/// connection. `write` is back-pressured: it returns at once while less than
/// `Configuration.streamHighWaterMark` bytes are queued, and otherwise suspends until the loop
/// has handed enough to the kernel (down to `streamLowWaterMark`), so a slow reader never makes
/// the server buffer without bound. After the client went away, `write` and `flush` throw
/// `HTTPError.disconnected` (and the Task is cancelled, so a suspended write may also throw
/// `CancellationError`).
public final class HTTPBodyWriter: Sendable {
    let channel: ResponseChannel

    init(channel: ResponseChannel) {
        self.channel = channel
    }

    /// Queues `bytes` as the next body piece. An empty array only checks the connection.
    public func write(_ bytes: [UInt8]) async throws {
        try await channel.write(bytes)
    }

    public func write(_ text: String) async throws {
        try await channel.write(Array(text.utf8))
    }

    /// Writes one Server-Sent Events frame.
    public func send(_ event: ServerSentEvent) async throws {
        try await channel.write(event.bytes)
    }

    /// Waits until everything written so far has been handed to the kernel.
    public func flush() async throws {
        try await channel.flush()
    }

    public var isDisconnected: Bool { channel.isDisconnected }

    /// Bytes written but not yet taken by the kernel (tests, diagnostics).
    var pendingBytes: Int { channel.pendingBytes }
}
