#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Writes newline-terminated frames to a file descriptor, whole frames only, never interleaved.
///
/// A combining writer: a caller appends its frame to a pending buffer under a short lock; the
/// first caller that finds nobody writing becomes the drainer and writes whatever is pending in
/// batches, outside the lock, until the buffer is empty. Many tasks answering at once therefore
/// never queue on a lock held across `write(2)` (which cost a quarter of the CPU of a gateway hop
/// under 64 concurrent calls), and their frames coalesce into fewer system calls. Partial writes
/// and EINTR are retried. Back-pressure: when more than `maxPendingBytes` are waiting, callers
/// wait for the drainer instead of growing the buffer. Once the reader is gone (EPIPE) the writer
/// turns into a sink that drops frames, so a vanished peer cannot crash or block us. `flush()`
/// waits until everything accepted has been written; `close()` stops accepting frames and
/// returns once no write is in progress, after which the caller may close the descriptor.
///
/// `writeLineSoon` leaves the write to a task queued behind the work already queued (one write
/// per round of answers). Nothing ever waits for that task: whoever would wait for the writer
/// (`flush`, back-pressure) takes the scheduled drain over and writes itself, so a blocked
/// cooperative pool cannot leave frames unwritten or deadlock.
public final class LineWriter: Sendable {
    private struct State {
        var broken = false
        var closed = false
        /// Someone is responsible for writing `pending`: a caller writing now, or a scheduled
        /// task (`scheduled`) that has not started.
        var draining = false
        var scheduled = false
        /// Inside `hold()`…`release()`: deferred frames wait for the release to schedule their write.
        var holding = false
        var pending: [UInt8] = []
    }

    private let fd: Int32
    private let maxPendingBytes: Int
    /// Waits, after a write found a non-blocking descriptor full, until it may take more.
    private let whenFull: @Sendable () -> Void
    /// `writeLineSoon` defers only frames up to `deferFrame` bytes, and only while less than
    /// `deferLimit` is pending (a pipe's capacity). Large answers gain nothing from waiting: a
    /// write(2) of 25 KB is cheap per byte, while deferred ones pile up into buffers big enough
    /// for malloc to map and unmap them (`tools/list` with 120 tools, 25 KB answers, at 64 in
    /// flight fell from 75k to 25k lists/s — page faults and context switches — before these
    /// bounds).
    private static let deferFrame = 4 << 10
    private static let deferLimit = 64 << 10
    private let state = Mutex(State())

    /// - Parameter whenFull: for a non-blocking `fd`: called when a write found it full, returns
    ///   when it may take more. The default waits for the descriptor alone; a peer that must keep
    ///   reading while it writes (or the other end could block on us as we block on it) passes
    ///   its own.
    public init(fd: Int32, maxPendingBytes: Int = 4 << 20, whenFull: (@Sendable () -> Void)? = nil) {
        self.fd = fd
        self.maxPendingBytes = max(1, maxPendingBytes)
        self.whenFull = whenFull ?? { [fd] in
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&p, 1, -1)
        }
    }

    public var isBroken: Bool { state.withLock { $0.broken } }

    /// Queues `bytes` followed by `\n` and, unless another caller is already writing, writes
    /// everything pending. The bytes must not contain a newline (our JSON writer guarantees it).
    public func writeLine(_ bytes: [UInt8]) {
        append(bytes, newline: true, soon: false)
    }

    /// Queues `bytes` followed by `\n` and, unless a drain is running or scheduled, schedules one
    /// as a task behind the work already queued, so the frames other tasks produce meanwhile
    /// leave in the same write. For a server answering many requests at once: one write(2) —
    /// and one wake-up of the reader on the other end — per round instead of per answer, which
    /// in turn lets the client send its next requests in larger batches. A lone answer should
    /// use `writeLine` (the task hop would only add latency). Frames over 4 KB are written as by
    /// `writeLine`.
    public func writeLineSoon(_ bytes: [UInt8]) {
        append(bytes, newline: true, soon: bytes.count <= Self.deferFrame)
    }

    /// Queues `block`, one or more complete lines each already ending in `\n`, as one unit.
    public func writeLines(_ block: [UInt8]) {
        if !block.isEmpty { append(block, newline: false, soon: false) }
    }

    private func append(_ bytes: [UInt8], newline: Bool, soon: Bool) {
        while true {
            enum Next { case done, drain, schedule, wait }
            let next: Next = state.withLock { s in
                guard !s.broken, !s.closed else { return .done }
                if s.draining && s.pending.count + bytes.count + 1 > maxPendingBytes && !s.pending.isEmpty { return .wait }
                s.pending.append(contentsOf: bytes)
                if newline { s.pending.append(0x0A) }
                if s.draining {
                    // A drain only scheduled yet: `writeLine` means now, and a pipe's worth
                    // waiting gains nothing from waiting longer — either way, write it now.
                    guard s.scheduled, !soon || s.pending.count >= Self.deferLimit else { return .done }
                    s.scheduled = false
                    return .drain
                }
                if soon && s.holding && s.pending.count < Self.deferLimit { return .done }  // `release` schedules it
                s.draining = true  // a scheduled drain counts: others append, `flush` waits
                s.scheduled = soon && s.pending.count < Self.deferLimit
                return s.scheduled ? .schedule : .drain
            }
            switch next {
            case .done: return
            case .wait: waitForDrainer()  // the reader is slower than we produce
            case .drain:
                drain()
                return
            case .schedule:
                Task { self.runScheduledDrain() }
                return
            }
        }
    }

    /// Until `release()`, frames queued with `writeLineSoon` wait: the write they would have
    /// scheduled is scheduled by `release` instead. For a reader that hands a batch of requests to
    /// tasks: the first answers are often ready before the last request of the batch has been
    /// handed over, and a write scheduled then runs ahead of the rest of the batch — two or three
    /// writes (and wake-ups of the peer) per batch instead of one when the core is shared.
    /// `writeLine`, `flush` and a pipe's worth of pending bytes still write at once.
    public func hold() {
        state.withLock { $0.holding = true }
    }

    /// Ends `hold()`: schedules the write of what waited (behind the tasks queued meanwhile).
    public func release() {
        let schedule = state.withLock { s -> Bool in
            s.holding = false
            guard !s.draining, !s.pending.isEmpty, !s.broken, !s.closed else { return false }
            s.draining = true
            s.scheduled = true
            return true
        }
        if schedule { Task { self.runScheduledDrain() } }
    }

    /// The scheduled task: drains unless someone took the job over meanwhile.
    private func runScheduledDrain() {
        let mine = state.withLock { s -> Bool in
            guard s.scheduled else { return false }
            s.scheduled = false
            return true
        }
        if mine { drain() }
    }

    /// One step of waiting for the writer: takes over a drain that is only scheduled (its task
    /// may be queued behind the very threads that wait), else sleeps briefly.
    private func waitForDrainer() {
        let takeOver = state.withLock { s -> Bool in
            guard s.draining, s.scheduled else { return false }
            s.scheduled = false
            return true
        }
        if takeOver { drain() } else { usleep(50) }
    }

    private func drain() {
        var batch: [UInt8] = []
        while true {
            let more = state.withLock { s -> Bool in
                if s.pending.isEmpty || s.broken {
                    s.pending.removeAll(keepingCapacity: !s.broken)
                    s.draining = false
                    return false
                }
                swap(&batch, &s.pending)
                return true
            }
            guard more else { return }
            let ok = batch.withUnsafeBytes { writeAll($0) }
            batch.removeAll(keepingCapacity: true)
            if !ok { state.withLock { $0.broken = true } }
        }
    }

    /// Returns once every frame accepted so far has been written (or the writer broke).
    public func flush() {
        let held = state.withLock { s -> Bool in
            guard !s.draining, !s.pending.isEmpty, !s.broken else { return false }
            s.draining = true  // frames held by `hold()`: nobody is responsible for them yet
            return true
        }
        if held { drain() }
        while state.withLock({ $0.draining && !$0.broken }) { waitForDrainer() }
    }

    /// Stops accepting frames and returns once no write is in progress; pending frames that no
    /// write has started are dropped.
    public func close() {
        state.withLock { $0.closed = true }
        flush()
    }

    private func writeAll(_ buffer: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < buffer.count {
            let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                whenFull()
            } else {
                return false
            }
        }
        return true
    }
}
