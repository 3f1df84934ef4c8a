internal import CShim
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One event loop: an OS thread with its own epoll set, eventfd and connections.
///
/// Why this shape (measured in TOOLCHAIN.md §2, "epoll, N loops + Task per request"): parsing,
/// timers and socket I/O stay on a few OS threads with no per-connection thread, handlers run as
/// Swift Tasks so they can `await`, and responses come back through a `Mutex` inbox plus one
/// eventfd write (only when the inbox was empty).
///
/// Accepting: loop 0 owns every listening socket and hands each new connection to the least
/// loaded loop (ties rotate), through that loop's inbox. Chosen over one `SO_REUSEPORT` listener
/// per loop because (1) any other process of the same user could bind the same port with
/// `SO_REUSEPORT` and silently receive a share of our connections; (2) connections queued on a
/// per-loop listener are lost when that loop stops, while here shutdown closes one listener and
/// nothing is stranded; (3) the global connection limit and EMFILE back-off are enforced in one
/// place; (4) the balance is exact rather than hash-based. The cost, one inbox hop per new
/// connection, is negligible next to keep-alive traffic.
///
/// Timers: every `sweepInterval` (a tenth of the shortest timeout, 5–250 ms) the loop checks each
/// connection's deadline. O(connections) per sweep is trivial at the 1024-connection default; a
/// timer wheel would be the upgrade for 10k+.
///
/// SAFETY (`@unchecked Sendable`): every `var` below is read and written only on the loop's own
/// thread (inside `run()` and what it calls), except before `start()` hands the loop to its
/// thread (`installListeners`, `peers`), which happens-before the thread starts. The only members
/// other threads touch are `post(_:)` (guarded by the `inbox` Mutex, plus an eventfd write),
/// `load` (Atomic), the `OneShot`s (Mutex inside) and `let` constants.
final class EventLoop: @unchecked Sendable {
    let index: Int
    let core: ServerCore
    private let epfd: Int32
    private let wakeFD: Int32
    private let inbox = Mutex<(messages: [LoopMessage], stopped: Bool)>(([], false))
    /// Connections owned (or being handed over to) this loop; read by the acceptor for balancing.
    let load = Atomic<Int>(0)
    /// Fires when draining and no connection is left, or when the loop exits.
    let drained = OneShot()
    /// Fires when the loop thread has closed everything and returned.
    let exited = OneShot()
    /// Per-loop read buffer (confined to the loop thread).
    let scratch: UnsafeMutableRawPointer

    private struct Listener {
        var fd: Int32
        var pausedUntil: UInt64
    }

    // Loop-thread state
    private var connections: [UInt64: Connection] = [:]
    private var listeners: [Listener] = []
    var peers: [EventLoop] = []
    private var serial: UInt64 = 0
    private var roundRobin = 0
    private var running = true
    private(set) var draining = false
    private(set) var now: UInt64 = 0
    private var nextSweep: UInt64 = 0
    private let events: UnsafeMutablePointer<cshim_epoll_event>
    private let peerName: UnsafeMutablePointer<CChar>
    private var processing: [LoopMessage] = []
    private var sweepIDs: [UInt64] = []
    private var dateSecond = -1
    private var dateCache: [UInt8] = []
    /// Access-log lines not yet written (flushed once per loop iteration, or at 4 KiB).
    private var logBuffer: [UInt8] = []

    private static let wakeTag: UInt64 = 0
    private static let listenerTag: UInt64 = 1 << 63
    /// Descriptors watched for their owners (`ReadinessSource`); connection tags stay below.
    private static let watchTag: UInt64 = 1 << 62
    /// Watched descriptors and their owners' handlers, by tag (loop-thread state).
    private var watches: [UInt64: (fd: Int32, handler: @Sendable (ReadinessEvent) -> Void)] = [:]
    private let watchSerial = Atomic<UInt64>(0)
    private static let maxEvents: Int32 = 256

    init(index: Int, core: ServerCore) throws(HTTPError) {
        self.index = index
        self.core = core
        let ep = cshim_epoll_create()
        guard ep >= 0 else { throw .systemCall("epoll_create1", errno: -ep) }
        let wake = cshim_eventfd()
        guard wake >= 0 else {
            Glibc.close(ep)
            throw .systemCall("eventfd", errno: -wake)
        }
        let rc = cshim_epoll_ctl(ep, 0, wake, CSHIM_EPOLLIN, Self.wakeTag)
        guard rc == 0 else {
            Glibc.close(ep)
            Glibc.close(wake)
            throw .systemCall("epoll_ctl", errno: -rc)
        }
        epfd = ep
        wakeFD = wake
        scratch = UnsafeMutableRawPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        events = UnsafeMutablePointer<cshim_epoll_event>.allocate(capacity: Int(Self.maxEvents))
        peerName = UnsafeMutablePointer<CChar>.allocate(capacity: 80)
    }

    deinit {
        // Only reached when no Task or thread can post any more (they hold strong references).
        Glibc.close(epfd)
        Glibc.close(wakeFD)
        scratch.deallocate()
        events.deallocate()
        peerName.deallocate()
    }

    /// Before the thread starts: register listening sockets (loop 0 only).
    func installListeners(_ fds: [Int32]) throws(HTTPError) {
        for fd in fds {
            let tag = Self.listenerTag | UInt64(listeners.count)
            let rc = cshim_epoll_ctl(epfd, 0, fd, CSHIM_EPOLLIN, tag)
            guard rc == 0 else { throw .systemCall("epoll_ctl(listener)", errno: -rc) }
            listeners.append(Listener(fd: fd, pausedUntil: 0))
        }
    }

    // MARK: cross-thread entry

    /// Queues a message for the loop thread. Messages posted after the loop stopped are dropped
    /// (a handed-over socket is closed, a signal fired) so nothing leaks.
    func post(_ message: LoopMessage) {
        let outcome = inbox.withLock { box -> (wake: Bool, dropped: Bool) in
            if box.stopped { return (false, true) }
            box.messages.append(message)
            return (box.messages.count == 1, false)
        }
        if outcome.dropped {
            discard(message)
        } else if outcome.wake {
            if isLoopThread {
                // Posted by the loop thread itself: its next wait must not block.
                postedLocally = true
            } else {
                cshim_eventfd_signal(wakeFD)
            }
        }
    }

    /// Set when the loop thread posted to its own inbox (loop-thread state).
    private var postedLocally = false
    /// Work for the end of this round, and the batch running now (loop-thread state).
    private var roundEnd: [@Sendable () -> Void] = []
    private var roundEndRunning: [@Sendable () -> Void] = []
    private var inRoundEnd = false

    /// The loop's thread, once `run()` started (0 before).
    private let thread = Atomic<UInt>(0)

    /// Whether the caller runs on this loop's thread.
    var isLoopThread: Bool {
        let own = thread.load(ordering: .relaxed)
        return own != 0 && own == UInt(bitPattern: Int(bitPattern: pthread_self()))
    }

    private func discard(_ message: LoopMessage) {
        switch message {
        case .job(let job):
            // The loop is gone: the Task continues on the shared pool.
            globalConcurrentExecutor.enqueue(job)
        case .adopt(let fd, _):
            Glibc.close(fd)
            load.subtract(1, ordering: .relaxed)
            core.connectionCount.subtract(1, ordering: .relaxed)
        case .stopAccepting(let signal):
            signal.fire()
        case .atRoundEnd(let body):
            // The loop is gone: the work still runs, on the shared pool.
            Task { body() }
        case .watch(_, _, let handler):
            handler(.detached)
        default:
            break
        }
    }

    // MARK: the loop

    func run() {
        thread.store(UInt(bitPattern: Int(bitPattern: pthread_self())), ordering: .relaxed)
        _ = cshim_name_thread("http-loop-\(index)")
        if core.settings.batchScheduling { _ = cshim_set_batch_scheduling() }
        now = cshim_monotonic_ns()
        nextSweep = now + core.settings.sweepInterval
        while running {
            let waitNs = nextSweep > now ? nextSweep - now : 0
            let timeout = postedLocally ? 0 : Int32(min((waitNs + 999_999) / 1_000_000, 1000))
            postedLocally = false
            let n = cshim_epoll_wait(epfd, events, Self.maxEvents, timeout)
            now = cshim_monotonic_ns()
            if n > 0 {
                for i in 0..<Int(n) {
                    let ev = events[i]
                    if ev.data == Self.wakeTag {
                        cshim_eventfd_drain(wakeFD)
                    } else if ev.data & Self.listenerTag != 0 {
                        acceptConnections(Int(ev.data & ~Self.listenerTag))
                    } else if ev.data & Self.watchTag != 0 {
                        watches[ev.data]?.handler(.readable)
                    } else if let c = connections[ev.data] {
                        c.onEvents(ev.events)
                        if !c.closed { updateInterest(c) }
                    }
                }
            }
            processInbox()
            runRoundEnd()
            if now >= nextSweep {
                sweep()
                nextSweep = now + core.settings.sweepInterval
            }
            if !logBuffer.isEmpty { flushLog() }
        }
        teardown()
        if !logBuffer.isEmpty { flushLog() }
    }

    private func processInbox() {
        // Handling a message may post more from this thread (a handler job running here
        // delivers its response, or resumes another job) without an eventfd wake-up, so drain
        // until empty — in bounded rounds, so sockets are polled again in between.
        for _ in 0..<64 {
            inbox.withLock { box in swap(&box.messages, &processing) }
            guard !processing.isEmpty else { return }
            for message in processing {
                handle(message)
            }
            processing.removeAll(keepingCapacity: true)
        }
        // Still more: make sure the next epoll_wait returns at once.
        postedLocally = true
    }

    private func handle(_ message: LoopMessage) {
        switch message {
        case .adopt(let fd, let remote):
            adopt(fd: fd, remote: remote)
        case .response(let id, let response):
            guard let c = connections[id] else { return }
            c.onResponse(response)
            if !c.closed { updateInterest(c) }
        case .chunk(let id, let bytes):
            guard let c = connections[id] else { return }
            c.onChunk(bytes)
            if !c.closed { updateInterest(c) }
        case .end(let id):
            guard let c = connections[id] else { return }
            c.onEnd()
            if !c.closed { updateInterest(c) }
        case .stopAccepting(let signal):
            closeListeners()
            signal.fire()
        case .drain:
            draining = true
            for c in Array(connections.values) where !c.closed {
                c.beginDrain()
                if !c.closed { updateInterest(c) }
            }
            if connections.isEmpty { drained.fire() }
        case .stop:
            running = false
        case .job(let job):
            job.runSynchronously(on: asUnownedTaskExecutor())
        case .atRoundEnd(let body):
            roundEnd.append(body)
        case .watch(let fd, let tag, let handler):
            addWatch(fd: fd, tag: tag, handler: handler)
        case .unwatch(let tag):
            removeWatch(tag)
        }
    }

    // MARK: watched descriptors

    /// Starts watching `fd` for its owner (any thread); returns the watch's tag.
    func watch(_ fd: Int32, _ handler: @escaping @Sendable (ReadinessEvent) -> Void) -> UInt64 {
        let tag = Self.watchTag | watchSerial.add(1, ordering: .relaxed).newValue
        if isLoopThread {
            addWatch(fd: fd, tag: tag, handler: handler)
        } else {
            post(.watch(fd: fd, tag: tag, handler: handler))
        }
        return tag
    }

    /// Stops watching; at once on the loop thread, else through the inbox.
    func unwatch(_ tag: UInt64) {
        if isLoopThread {
            removeWatch(tag)
        } else {
            post(.unwatch(tag: tag))
        }
    }

    private func addWatch(fd: Int32, tag: UInt64, handler: @escaping @Sendable (ReadinessEvent) -> Void) {
        // Level-triggered: an owner that leaves bytes unread (it reads a bounded amount per
        // round, to stay fair to the connections) is told again next round.
        guard cshim_epoll_ctl(epfd, 0, fd, CSHIM_EPOLLIN, tag) == 0 else {
            handler(.detached)
            return
        }
        watches[tag] = (fd, handler)
    }

    private func removeWatch(_ tag: UInt64) {
        guard let watch = watches.removeValue(forKey: tag) else { return }
        _ = cshim_epoll_ctl(epfd, 2, watch.fd, 0, tag)
    }

    /// Runs the work queued for the end of this round (loop thread). Work queued while it runs
    /// waits for the next round, which then starts without blocking.
    private func runRoundEnd() {
        guard !roundEnd.isEmpty else { return }
        swap(&roundEnd, &roundEndRunning)
        inRoundEnd = true
        for body in roundEndRunning { body() }
        inRoundEnd = false
        roundEndRunning.removeAll(keepingCapacity: true)
    }

    // MARK: connections

    private func adopt(fd: Int32, remote: String) {
        serial += 1
        let id = UInt64(index) << 48 | serial
        let c = Connection(id: id, fd: fd, remote: remote, loop: self)
        c.deadline = now + core.settings.headerTimeout
        c.interest = CSHIM_EPOLLIN | CSHIM_EPOLLRDHUP
        guard cshim_epoll_ctl(epfd, 0, fd, c.interest, id) == 0 else {
            Glibc.close(fd)
            load.subtract(1, ordering: .relaxed)
            core.connectionCount.subtract(1, ordering: .relaxed)
            return
        }
        connections[id] = c
    }

    func updateInterest(_ c: Connection) {
        let wanted = c.desiredInterest
        if wanted != c.interest {
            c.interest = wanted
            _ = cshim_epoll_ctl(epfd, 1, c.fd, wanted, c.id)
        }
    }

    /// Closes a connection; if a handler or stream is running, its writer fails and its Task is
    /// cancelled (disconnect = cancel).
    func close(_ c: Connection) {
        guard !c.closed else { return }
        c.closed = true
        if c.requestActive {
            c.logRequest(status: 499)
        }
        if let channel = c.channel {
            channel.disconnect(cancelling: c.task)
            c.channel = nil
        } else {
            c.task?.cancel()
        }
        c.task = nil
        Glibc.close(c.fd)  // also removes it from the epoll set
        connections[c.id] = nil
        load.subtract(1, ordering: .relaxed)
        core.connectionCount.subtract(1, ordering: .relaxed)
        if draining && connections.isEmpty { drained.fire() }
    }

    // MARK: accepting (loop 0)

    private func acceptConnections(_ li: Int) {
        guard li < listeners.count else { return }
        let settings = core.settings
        for _ in 0..<64 {
            let fd = cshim_accept(listeners[li].fd, settings.tcpNoDelay ? 1 : 0, peerName, 80)
            if fd >= 0 {
                let open = core.connectionCount.add(1, ordering: .relaxed).newValue
                if open > settings.maxConnections {
                    core.connectionCount.subtract(1, ordering: .relaxed)
                    Self.refuse(fd)
                    continue
                }
                let remote = String(cString: peerName)
                let target = pickLoop()
                target.load.add(1, ordering: .relaxed)
                if target === self {
                    adopt(fd: fd, remote: remote)
                } else {
                    target.post(.adopt(fd: fd, remote: remote))
                }
                continue
            }
            switch -fd {
            case EAGAIN, EWOULDBLOCK:
                return
            case EINTR, ECONNABORTED, EPROTO:
                continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                // Out of descriptors: a level-triggered listener would spin. Pause it briefly.
                _ = cshim_epoll_ctl(epfd, 1, listeners[li].fd, 0, Self.listenerTag | UInt64(li))
                listeners[li].pausedUntil = now + 100_000_000
                return
            default:
                return
            }
        }
    }

    /// Over the connection limit: a best-effort minimal 503, then close.
    private static func refuse(_ fd: Int32) {
        let reply = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        var bytes = Array(reply.utf8)
        _ = bytes.withUnsafeMutableBytes { cshim_send(fd, $0.baseAddress, $0.count) }
        _ = shutdown(fd, Int32(SHUT_WR))
        Glibc.close(fd)
    }

    private func pickLoop() -> EventLoop {
        let n = peers.count
        guard n > 1 else { return self }
        roundRobin &+= 1
        var best = peers[roundRobin % n]
        var bestLoad = best.load.load(ordering: .relaxed)
        for k in 1..<n {
            let candidate = peers[(roundRobin + k) % n]
            let l = candidate.load.load(ordering: .relaxed)
            if l < bestLoad {
                best = candidate
                bestLoad = l
            }
        }
        return best
    }

    private func closeListeners() {
        for l in listeners { Glibc.close(l.fd) }
        listeners.removeAll()
    }

    // MARK: timers

    private func sweep() {
        sweepIDs.removeAll(keepingCapacity: true)
        sweepIDs.append(contentsOf: connections.keys)
        for id in sweepIDs {
            guard let c = connections[id] else { continue }
            c.checkTimers(now: now)
            if !c.closed { updateInterest(c) }
        }
        for i in listeners.indices where listeners[i].pausedUntil != 0 && now >= listeners[i].pausedUntil {
            listeners[i].pausedUntil = 0
            _ = cshim_epoll_ctl(epfd, 1, listeners[i].fd, CSHIM_EPOLLIN, Self.listenerTag | UInt64(i))
        }
    }

    /// The IMF-fixdate for the current second, cached.
    var date: [UInt8] {
        let t = Int(time(nil))
        if t != dateSecond {
            dateSecond = t
            var buf = [CChar](repeating: 0, count: 30)
            cshim_http_date(Int64(t), &buf)
            dateCache = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        }
        return dateCache
    }

    // MARK: access log

    /// Queues one access-log line. Lines are written with one write(2) per loop iteration, in
    /// batches of at most PIPE_BUF (4 KiB) so batches from different loops never interleave.
    func log(_ line: [UInt8]) {
        if logBuffer.count + line.count > 4096 { flushLog() }
        logBuffer.append(contentsOf: line)
    }

    private func flushLog() {
        AccessLog.write(logBuffer)
        logBuffer.removeAll(keepingCapacity: true)
    }

    // MARK: exit

    private func teardown() {
        for c in Array(connections.values) { close(c) }
        closeListeners()
        // Owners of watched descriptors read by other means from now on.
        let orphaned = watches
        for tag in orphaned.keys { removeWatch(tag) }
        for watch in orphaned.values { watch.handler(.detached) }
        peers = []
        let leftovers = inbox.withLock { box -> [LoopMessage] in
            box.stopped = true
            defer { box.messages = [] }
            return box.messages
        }
        for m in leftovers { discard(m) }
        for body in roundEnd { Task { body() } }
        roundEnd = []
        drained.fire()
        exited.fire()
    }
}

/// A loop is the preferred executor of its handlers' Tasks when `handlersOnLoops` is set: their
/// jobs arrive through the inbox and run on the loop thread between socket events.
extension EventLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        post(.job(UnownedJob(job)))
    }
}

extension EventLoop: RoundEndScheduling {
    func atRoundEnd(_ body: @escaping @Sendable () -> Void) {
        guard isLoopThread else {
            post(.atRoundEnd(body))
            return
        }
        roundEnd.append(body)
        // Queued by round-end work itself: the next round must come without waiting for events.
        if inRoundEnd { postedLocally = true }
    }
}
