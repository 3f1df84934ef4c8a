import Synchronization

/// A child's captured stderr: a `ByteRing` shared between the reaper thread (which appends) and
/// callers (who read the tail), plus whether the pipe has reached end of file.
final class StderrBuffer: Sendable {
    /// The tail kept per child.
    static let defaultCapacity = 64 * 1024

    private let state: Mutex<(ring: ByteRing, closed: Bool)>

    init(capacity: Int = StderrBuffer.defaultCapacity) {
        state = Mutex((ByteRing(capacity: capacity), false))
    }

    func append(_ bytes: UnsafeRawBufferPointer) {
        state.withLock { $0.ring.append(bytes) }
    }

    func markClosed() {
        state.withLock { $0.closed = true }
    }

    var contents: [UInt8] { state.withLock { $0.ring.contents } }
    var totalBytes: Int { state.withLock { $0.ring.totalBytes } }
    var isClosed: Bool { state.withLock { $0.closed } }
}
