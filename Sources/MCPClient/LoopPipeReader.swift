#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTPServer
import StdioTransport
import Synchronization

/// Reads an upstream's stdout on an event loop (a `ReadinessSource`) instead of a thread of its
/// own: the loop that serves a gateway's HTTP callers reads the answer, and the relay shapes and
/// queues it for the caller, in the same wake-up — no reader thread woken per answer, no
/// hand-over to the loop. Framing and events are those of `LineReader`.
///
/// The danger of reading on the loop is a deadlock through the pipes: the loop writes requests
/// to the upstream's stdin (the relay's batched write), the pipe is full because the upstream
/// is busy writing answers, and the upstream's stdout is full because the loop — blocked in its
/// write — does not read. So both pipes are non-blocking, and a writer that finds stdin full
/// waits in `whenFull`, which also absorbs whatever the upstream wrote meanwhile into a buffer
/// (up to `absorbLimit`) that the loop delivers at the end of its round. The upstream never
/// waits on us while we wait on it.
///
/// If the loop stops first (`.detached`) or cannot watch the descriptor, a thread takes over.
///
/// SAFETY (`@unchecked Sendable`): `framer` and `scratch` are used only by the delivering thread
/// — the loop's (handler and scheduled deliveries), or the fallback thread — one at a time:
/// the fallback starts only after the loop said it stopped calling. Everything else is under
/// `inbound`'s lock or immutable.
final class LoopPipeReader: @unchecked Sendable {
    private struct Inbound {
        /// Bytes read by a writer waiting in `whenFull`, not delivered yet.
        var absorbed: [UInt8] = []
        /// A read saw end of file (or failed).
        var ended = false
        /// Nobody reads any more (the end was delivered).
        var finished = false
        /// The loop watches the descriptor (false: the fallback thread reads, absorbing is off).
        var onLoop = true
        var watch: ReadinessWatch?
        /// A delivery of absorbed bytes is already scheduled on the loop.
        var deliveryScheduled = false
    }

    private let fd: Int32
    private let writeFD: Int32
    private let onEvent: @Sendable (LineReader.Event) -> Void
    private let onEnd: @Sendable () -> Void
    private let inbound = Mutex(Inbound())
    private var framer: LineFramer
    /// The delivering thread's read buffer.
    private let scratch: UnsafeMutableRawPointer
    /// The writers' read buffer (used under `inbound`'s lock only).
    private let absorbScratch: UnsafeMutableRawPointer
    private static let chunk = 64 * 1024
    /// Most bytes one readiness call reads before the loop serves its other work.
    private static let perRound = 4 * chunk
    /// Most bytes a stalled writer absorbs; beyond it the writer simply waits.
    static let absorbLimit = 16 << 20

    /// - Parameters:
    ///   - fd: the upstream's stdout, non-blocking; closed at end of file.
    ///   - writeFD: the upstream's stdin, non-blocking, which the owner's writer uses.
    ///   - onEvent: lines, oversized lines and batch ends, in order, on the delivering thread.
    ///   - onEnd: once, after the last event (end of file or a read error).
    init(fd: Int32, writeFD: Int32, maxLineBytes: Int, onEvent: @escaping @Sendable (LineReader.Event) -> Void, onEnd: @escaping @Sendable () -> Void) {
        self.fd = fd
        self.writeFD = writeFD
        self.onEvent = onEvent
        self.onEnd = onEnd
        framer = LineFramer(maxLineBytes: maxLineBytes)
        scratch = UnsafeMutableRawPointer.allocate(byteCount: Self.chunk, alignment: 16)
        absorbScratch = UnsafeMutableRawPointer.allocate(byteCount: Self.chunk, alignment: 16)
    }

    deinit {
        scratch.deallocate()
        absorbScratch.deallocate()
    }

    /// Starts reading on `source`, or on a thread when it cannot watch.
    func start(on source: any ReadinessSource) {
        let watch = source.watchReadable(fd) { [self] event in
            switch event {
            case .readable: readable()
            case .detached: fallBack()
            }
        }
        guard let watch else {
            fallBack()
            return
        }
        // The handler may already have run (and even finished) on the loop.
        let keep = inbound.withLock { s -> Bool in
            guard s.onLoop, !s.finished else { return false }
            s.watch = watch
            return true
        }
        if !keep { watch.cancel() }
    }

    /// The loop says the descriptor is readable (loop thread).
    private func readable() {
        var total = 0
        while total < Self.perRound {
            let (earlier, got, ended) = inbound.withLock { s -> ([UInt8], Int, Bool) in
                guard !s.finished else { return ([], -1, false) }
                var earlier: [UInt8] = []
                swap(&earlier, &s.absorbed)
                if s.ended { return (earlier, 0, true) }
                let got = Self.readSome(fd, scratch, Self.chunk)
                if got == 0 { s.ended = true }
                return (earlier, got, got == 0)
            }
            if got < 0 && earlier.isEmpty && !ended { break }
            deliver(earlier, got: max(got, 0))
            if ended {
                finish()
                return
            }
            if got < Self.chunk { break }
            total += got
        }
    }

    /// Delivers absorbed bytes: on the loop (scheduled by `absorb`), or first thing on the
    /// fallback thread. A delivery scheduled on a loop that has since stopped runs on Swift's
    /// pool and does nothing: the fallback thread delivers.
    private func deliverAbsorbed(onLoop: Bool) {
        let (earlier, ended) = inbound.withLock { s -> ([UInt8], Bool) in
            if onLoop { s.deliveryScheduled = false }
            guard !s.finished, s.onLoop == onLoop else { return ([], false) }
            var earlier: [UInt8] = []
            swap(&earlier, &s.absorbed)
            return (earlier, s.ended)
        }
        deliver(earlier, got: 0)
        if ended { finish() }
    }

    /// Frames `earlier` (absorbed before this read) and then the `got` bytes in `scratch`.
    private func deliver(_ earlier: [UInt8], got: Int) {
        guard !earlier.isEmpty || got > 0 else { return }
        let onEvent = self.onEvent
        if !earlier.isEmpty { earlier.withUnsafeBufferPointer { framer.feed($0, onEvent) } }
        if got > 0 { framer.feed(UnsafeBufferPointer(start: scratch.assumingMemoryBound(to: UInt8.self), count: got), onEvent) }
        onEvent(.batchEnd)
    }

    /// End of file: the last line, the watch cancelled (at once: this is the loop thread, or the
    /// fallback thread with no watch), the descriptor closed, the owner told.
    private func finish() {
        let (first, watch) = inbound.withLock { s -> (Bool, ReadinessWatch?) in
            defer {
                s.finished = true
                s.watch = nil
            }
            return (!s.finished, s.watch)
        }
        guard first else { return }
        watch?.cancel()
        framer.finish(onEvent)
        close(fd)
        onEnd()
    }

    /// A writer found the upstream's stdin full: waits until it takes more, reading (without
    /// delivering) what the upstream writes meanwhile, so it never blocks on its stdout.
    func whenFull() {
        var fds = [pollfd(fd: writeFD, events: Int16(POLLOUT), revents: 0), pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
        while true {
            let absorbing = inbound.withLock { s in s.onLoop && !s.ended && !s.finished && s.absorbed.count < Self.absorbLimit }
            let rc = poll(&fds, absorbing ? 2 : 1, -1)
            if rc < 0 && errno == EINTR { continue }
            if rc < 0 || fds[0].revents != 0 { return }
            if absorbing && fds[1].revents != 0 { absorb() }
        }
    }

    private func absorb() {
        let schedule = inbound.withLock { s -> ReadinessWatch? in
            guard s.onLoop, !s.ended, !s.finished else { return nil }
            let before = s.absorbed.count
            while s.absorbed.count < Self.absorbLimit {
                let got = Self.readSome(fd, absorbScratch, Self.chunk)
                if got > 0 {
                    s.absorbed.append(contentsOf: UnsafeRawBufferPointer(start: absorbScratch, count: got))
                } else {
                    if got == 0 { s.ended = true }
                    break
                }
            }
            guard s.absorbed.count > before || s.ended, !s.deliveryScheduled, let watch = s.watch else { return nil }
            s.deliveryScheduled = true
            return watch
        }
        schedule?.schedule { [self] in deliverAbsorbed(onLoop: true) }
    }

    /// The loop stopped, or could not watch: a thread reads from here on.
    private func fallBack() {
        let go = inbound.withLock { s -> Bool in
            guard s.onLoop, !s.finished else { return false }
            s.onLoop = false
            s.watch = nil
            return true
        }
        guard go else { return }
        let thread = Thread { [self] in
            // Bytes a writer absorbed while the loop still read come first.
            deliverAbsorbed(onLoop: false)
            while !inbound.withLock({ $0.finished }) {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&p, 1, -1) < 0 && errno != EINTR {
                    inbound.withLock { $0.ended = true }
                }
                readable()
            }
        }
        thread.stackSize = 1 << 20
        thread.name = "stdio-reader"
        thread.start()
    }

    /// One read: bytes read, 0 at end of file (or a failed read: both end the stream), -1 when
    /// nothing is there now.
    private static func readSome(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        while true {
            let n = read(fd, buffer, count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : 0
        }
    }
}
