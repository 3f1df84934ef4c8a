/// One client socket to one origin and the exchange it is carrying.
///
/// Why a non-Sendable class: a connection belongs to the client's event loop and is only touched
/// on that thread; callers only ever hold an `Exchange`.
///
/// Lifecycle: `resolving` (a resolver thread is looking the host up) → `connecting` (non-blocking
/// connect, waiting for EPOLLOUT; the next address is tried on failure) → `active` (writing the
/// request while reading the response; one exchange at a time, no pipelining) → `idle` in the
/// pool (watched for EOF so a server's idle close is noticed at once) → `active` again, or closed.
final class ClientConnection {
    enum Phase {
        case resolving, connecting, active, idle
    }

    let id: UInt64
    let origin: Origin
    var phase = Phase.resolving
    var fd: Int32 = -1
    var closed = false
    /// Registered in the epoll set (false while paused after a hang-up, see `ClientLoop`).
    var registered = false
    /// The epoll interest currently registered.
    var interest: UInt32 = 0
    /// Monotonic ns when the current phase's timer fires; 0 = none.
    var deadline: UInt64 = 0

    // Connecting
    var addresses: [String] = []
    var nextAddress = 0
    var lastErrno: Int32 = 0

    // The exchange being carried (bound from the moment the connection is opened for it).
    var exchange: LoopExchange?
    /// Responses completed on this connection; > 0 means it came from the pool.
    var served = 0
    var output: [UInt8] = []
    var outputSent = 0
    var writeFailed = false
    var reader = ResponseReader(isHeadRequest: false, maxHeadBytes: 0, maxHeaderCount: 0)
    /// The consumer is behind: not reading until it catches up.
    var readPaused = false

    init(id: UInt64, origin: Origin) {
        self.id = id
        self.origin = origin
    }

    var outputPending: Bool { !writeFailed && outputSent < output.count }
    var requestFullySent: Bool { !writeFailed && outputSent == output.count }
}
