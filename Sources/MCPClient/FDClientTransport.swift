#if canImport(Glibc)
import Glibc
#endif
import HTTPServer
import JSON
import StdioTransport
import Synchronization

/// Newline-delimited JSON-RPC over two file descriptors: the stdout and stdin pipes of an MCP
/// server process (the stdio transport, DIGEST §10).
///
/// Spawning the process is the caller's job; this type only frames. It takes ownership of both
/// descriptors: `close()` closes the write end (the server sees end of input and should exit),
/// and the read end is closed once the reader reaches end of file. Lines longer than
/// `maxLineBytes` are discarded and reported as protocol violations, so a misbehaving server
/// cannot make us buffer without bound. End of file — the server exited or closed stdout — is
/// reported as `.closed`, which fails every request still waiting with "upstream closed".
/// A write blocks while the server's stdin pipe is full (a server that stops reading is stopped
/// by whoever spawned it; its exit turns the write into EPIPE and the connection into `.closed`).
public final class FDClientTransport: MCPClientTransport {
    private let readFD: Int32
    private let writeFD: Int32
    public let maxLineBytes: Int
    private let jsonLimits: JSONParser.Limits
    private let writer: LineWriter
    /// Serializes writes with `close` so a descriptor is never closed under a write in progress.
    private let io = Mutex<(started: Bool, writeClosed: Bool, reported: Bool)>((false, false, false))
    private let receiver = Mutex<(@Sendable (MCPTransportEvent) -> Void)?>(nil)
    private let tap = TapSlot()
    /// Where the server's output is read: nil, a thread of our own; else that source's thread.
    private let readiness: (any ReadinessSource)?
    private let loopReader = LoopReaderSlot()

    /// Sees every line from the server before it is decoded; a line it claims (returns true
    /// for) goes no further. For a relay that answers some responses itself. A class: the
    /// reader takes it for every line, and a struct of three closures cost three retains.
    public final class LineTap: Sendable {
        public let line: @Sendable (UnsafeBufferPointer<UInt8>) -> Bool
        /// After every line of one read was handled.
        public let batchEnd: @Sendable () -> Void
        /// The connection ended (once), with the reason the client also gets.
        public let closed: @Sendable (String) -> Void
        let owner: ObjectIdentifier?
        public convenience init(line: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> Bool, batchEnd: @escaping @Sendable () -> Void,
                                closed: @escaping @Sendable (String) -> Void) {
            self.init(line: line, batchEnd: batchEnd, closed: closed, owner: nil)
        }

        init(line: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> Bool, batchEnd: @escaping @Sendable () -> Void,
             closed: @escaping @Sendable (String) -> Void, owner: ObjectIdentifier?) {
            self.line = line
            self.batchEnd = batchEnd
            self.closed = closed
            self.owner = owner
        }
    }

    /// Installs `tap` for `owner`; false when another owner's tap is installed (one relay per
    /// connection: their request ids would collide) or the connection already ended (the tap
    /// would never be told).
    public func setTap(_ tap: LineTap, owner: ObjectIdentifier) -> Bool {
        let installed = self.tap.update { slot -> Bool in
            if let current = slot, current.owner != owner { return false }
            slot = LineTap(line: tap.line, batchEnd: tap.batchEnd, closed: tap.closed, owner: owner)
            return true
        }
        return installed && !io.withLock { $0.reported }
    }

    /// Removes `owner`'s tap (a relay going away); another owner's stays.
    public func removeTap(owner: ObjectIdentifier) {
        _ = tap.update { slot in
            if slot?.owner == owner { slot = nil }
            return true
        }
    }

    /// Writes `block` (complete lines, each ending in `\n`) to the server as they are.
    public func sendLines(_ block: [UInt8]) {
        guard !io.withLock({ $0.writeClosed }) else { return }
        writer.writeLines(block)
        if writer.isBroken { report("upstream closed the connection (write failed: the server stopped reading)") }
    }

    /// - Parameters:
    ///   - readFD: the server's stdout (we read responses and notifications from it).
    ///   - writeFD: the server's stdin (we write requests to it).
    ///   - maxLineBytes: the longest line accepted from the server.
    ///   - readiness: reads the server's output on that source's thread (an HTTP server's event
    ///     loop; see `LoopPipeReader`) instead of a reader thread of our own. Both descriptors
    ///     are then made non-blocking.
    public init(readFD: Int32, writeFD: Int32, maxLineBytes: Int = 4 << 20, jsonLimits: JSONParser.Limits = .default,
                readiness: (any ReadinessSource)? = nil) {
        // A server that exits while we write must not kill us with SIGPIPE; the write then fails
        // with EPIPE and we report the connection closed.
        signal(SIGPIPE, SIG_IGN)
        self.readFD = readFD
        self.writeFD = writeFD
        self.maxLineBytes = max(1, maxLineBytes)
        self.jsonLimits = jsonLimits
        self.readiness = readiness
        if readiness != nil {
            for fd in [readFD, writeFD] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
            // A full stdin pipe: wait for it while still reading the server's output.
            let slot = loopReader
            self.writer = LineWriter(fd: writeFD, whenFull: {
                if let reader = slot.reader {
                    reader.whenFull()
                } else {
                    var p = pollfd(fd: writeFD, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&p, 1, -1)
                }
            })
        } else {
            self.writer = LineWriter(fd: writeFD)
        }
    }

    public func start(_ receive: @escaping @Sendable (MCPTransportEvent) -> Void) {
        let first = io.withLock { s -> Bool in
            defer { s.started = true }
            return !s.started
        }
        guard first else { return }
        receiver.withLock { $0 = receive }
        let limit = maxLineBytes
        let limits = jsonLimits
        let fd = readFD
        let taps = tap
        let cache = TapCache(taps)
        let onEvent: @Sendable (LineReader.Event) -> Void = { event in
            switch event {
            case .line(let bytes, _):
                if let tap = cache.current, tap.line(bytes) { return }
                for e in MCPTransportEvent.decode(bytes, limits: limits) { receive(e) }
            case .batchEnd:
                cache.current?.batchEnd()
            case .oversized(let count):
                receive(.malformed(.init(id: nil, looksLikeRequest: false,
                                         reason: "the server sent a line of \(count) bytes, over the limit of \(limit) bytes; it was discarded")))
            }
        }
        if let readiness {
            let reader = LoopPipeReader(fd: fd, writeFD: writeFD, maxLineBytes: limit, onEvent: onEvent) { [weak self] in
                self?.report("upstream closed the connection (end of stream)")
            }
            loopReader.reader = reader
            reader.start(on: readiness)
            return
        }
        let reader = LineReader(fd: readFD, maxLineBytes: maxLineBytes)
        Task.detached { [weak self] in
            await reader.run(onEvent)
            Glibc.close(fd)
            self?.report("upstream closed the connection (end of stream)")
        }
    }

    public func send(_ message: MCPOutgoingMessage) {
        let bytes = message.bytes
        guard !io.withLock({ $0.writeClosed }) else { return }
        // Not under `io`: the writer serializes frames itself, and a frame that races with
        // close() is dropped by the writer (close waits for any write in progress).
        writer.writeLine(bytes)
        if writer.isBroken { report("upstream closed the connection (write failed: the server stopped reading)") }
    }

    public func close() {
        let first = io.withLock { s -> Bool in
            defer { s.writeClosed = true }
            return !s.writeClosed
        }
        guard first else { return }
        writer.close()
        Glibc.close(writeFD)
    }

    /// Reports the end once.
    private func report(_ reason: String) {
        let first = io.withLock { s -> Bool in
            defer { s.reported = true }
            return !s.reported
        }
        guard first else { return }
        tap.value.withLock({ $0 })?.closed(reason)
        receiver.withLock({ $0 })?(.closed(reason: reason))
    }

    deinit {
        close()
    }
}

/// The loop reader, once started (the writer's `whenFull` asks it to keep reading).
private final class LoopReaderSlot: Sendable {
    private let value = Mutex<LoopPipeReader?>(nil)
    var reader: LoopPipeReader? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

private final class TapSlot: Sendable {
    let value = Mutex<FDClientTransport.LineTap?>(nil)
    /// Bumped (under `value`'s lock) whenever the tap changes.
    let generation = Atomic<Int>(0)

    func update(_ body: (inout FDClientTransport.LineTap?) -> Bool) -> Bool {
        value.withLock { slot in
            defer { generation.add(1, ordering: .releasing) }
            return body(&slot)
        }
    }
}

/// The reader thread's copy of the installed tap, fetched again only when the slot's generation
/// moved: taking it from the mutex for every line cost a lock and a retain of each closure.
/// Used by the one reader thread only.
private final class TapCache: @unchecked Sendable {
    private let slot: TapSlot
    private var seen = -1
    private var tap: FDClientTransport.LineTap?

    init(_ slot: TapSlot) {
        self.slot = slot
    }

    var current: FDClientTransport.LineTap? {
        let generation = slot.generation.load(ordering: .acquiring)
        if generation != seen {
            tap = slot.value.withLock { $0 }
            seen = generation
        }
        return tap
    }
}
