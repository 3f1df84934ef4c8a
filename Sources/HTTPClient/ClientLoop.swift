internal import CShim
import Foundation
import HTTPServer
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The plain-HTTP transport: one OS thread with an epoll set, every client socket non-blocking,
/// the per-origin keep-alive pools, and all timers.
///
/// Why one epoll thread rather than a small pool of blocking threads: a gateway holds many
/// long-lived upstream streams (SSE, `GET` listen streams) that are silent most of the time; a
/// blocking design needs a thread per open stream, this needs none. The design mirrors our
/// server's `EventLoop` (TOOLCHAIN.md §2): a `Mutex` inbox plus an eventfd is the only way in,
/// connection state is confined to the loop thread, and callers' Tasks only ever touch the
/// Sendable `Exchange`, so nothing blocks Swift's cooperative pool. One thread per `HTTPClient`
/// is enough: the work per byte is a copy and a parse, far below what the socket delivers.
///
/// Pool rules: at most `maxConnectionsPerOrigin` connections per origin (requests beyond it wait
/// in order); after a complete, reusable response the connection goes to the next waiter or
/// back to the idle list (at most `maxIdleConnectionsPerOrigin`, closed after
/// `idleConnectionTimeout`). Idle connections stay in the epoll set, so a server closing one is
/// seen at once; a `MSG_PEEK` check right before reuse catches a close that raced with it.
///
/// Retry rule (`canRetry`): a request that fails on a connection taken from the pool, before a
/// single response byte arrived, is sent once more on another connection when that is safe:
/// nothing of it had been written yet (any method), or the method is idempotent (RFC 9110
/// §9.2.2), since the server may have received it and closed without answering (its idle close
/// crossing our request). A non-idempotent request (POST) that was written is never re-sent.
///
/// Timers: each connection has one deadline for its phase (connect, response head, idle between
/// body bytes, pool idle), each exchange an optional overall deadline; the loop sleeps until
/// the earliest and sweeps when it passes.
///
/// SAFETY (`@unchecked Sendable`): every `var` is read and written only on the loop thread
/// (`run()` and what it calls). Other threads use only `post(_:)` (the `inbox` Mutex plus an
/// eventfd write), the `exited` OneShot, and `let` constants.
final class ClientLoop: @unchecked Sendable {
    private let configuration: HTTPClient.Configuration
    private let epfd: Int32
    private let wakeFD: Int32
    private let inbox = Mutex<(messages: [ClientLoopMessage], stopped: Bool)>(([], false))
    /// Fires when the loop thread has failed every exchange, closed every socket and returned.
    let exited = OneShot()

    private let scratch: UnsafeMutablePointer<UInt8>
    private static let scratchSize = 64 * 1024
    private let events: UnsafeMutablePointer<cshim_epoll_event>
    private static let maxEvents: Int32 = 128
    private static let wakeTag: UInt64 = 0

    // Loop-thread state
    private var connections: [UInt64: ClientConnection] = [:]
    private var exchanges: [UInt64: LoopExchange] = [:]
    private var pools: [Origin: OriginPool] = [:]
    /// Origins whose waiters may now get a connection (served after each batch, never
    /// recursively, so a burst of immediate connect failures cannot deepen the stack).
    private var needsService: Set<Origin> = []
    private var serial: UInt64 = 0
    private var running = true
    private var now: UInt64 = 0
    private var nextTimer: UInt64 = .max
    private var processing: [ClientLoopMessage] = []

    init(configuration: HTTPClient.Configuration) throws(HTTPClientError) {
        self.configuration = configuration
        let ep = cshim_epoll_create()
        guard ep >= 0 else { throw .socketError(errno: -ep) }
        let wake = cshim_eventfd()
        guard wake >= 0 else {
            Glibc.close(ep)
            throw .socketError(errno: -wake)
        }
        let rc = cshim_epoll_ctl(ep, 0, wake, CSHIM_EPOLLIN, Self.wakeTag)
        guard rc == 0 else {
            Glibc.close(ep)
            Glibc.close(wake)
            throw .socketError(errno: -rc)
        }
        epfd = ep
        wakeFD = wake
        scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.scratchSize)
        events = UnsafeMutablePointer<cshim_epoll_event>.allocate(capacity: Int(Self.maxEvents))
    }

    deinit {
        Glibc.close(epfd)
        Glibc.close(wakeFD)
        scratch.deallocate()
        events.deallocate()
    }

    /// Starts the loop thread (once).
    func start() {
        cshim_ignore_sigpipe()
        let thread = Thread { [self] in run() }
        thread.name = "http-client-loop"
        thread.stackSize = 1 << 20
        thread.start()
    }

    // MARK: cross-thread entry

    /// Queues a message for the loop thread. After the loop stopped, a submitted request fails
    /// with `shutdown` at once and other messages are dropped.
    func post(_ message: ClientLoopMessage) {
        let outcome = inbox.withLock { box -> (wake: Bool, dropped: Bool) in
            if box.stopped { return (false, true) }
            box.messages.append(message)
            return (box.messages.count == 1, false)
        }
        if outcome.dropped {
            if case .submit(let request) = message { request.exchange.fail(HTTPClientError.shutdown) }
        } else if outcome.wake {
            cshim_eventfd_signal(wakeFD)
        }
    }

    // MARK: the loop

    private func run() {
        now = cshim_monotonic_ns()
        while running {
            let timeout: Int32
            if nextTimer == .max {
                timeout = 1000
            } else {
                let waitNs = nextTimer > now ? nextTimer - now : 0
                timeout = Int32(min((waitNs + 999_999) / 1_000_000, 1000))
            }
            let n = cshim_epoll_wait(epfd, events, Self.maxEvents, timeout)
            now = cshim_monotonic_ns()
            if n > 0 {
                for i in 0..<Int(n) {
                    let ev = events[i]
                    if ev.data == Self.wakeTag {
                        cshim_eventfd_drain(wakeFD)
                    } else if let c = connections[ev.data], !c.closed {
                        onEvents(c, ev.events)
                        if !c.closed { updateInterest(c) }
                    }
                }
            }
            processInbox()
            if now >= nextTimer { sweep() }
            serviceWaiters()
        }
        teardown()
    }

    private func processInbox() {
        inbox.withLock { box in swap(&box.messages, &processing) }
        guard !processing.isEmpty else { return }
        for message in processing { handle(message) }
        processing.removeAll(keepingCapacity: true)
    }

    private func handle(_ message: ClientLoopMessage) {
        switch message {
        case .submit(let request):
            guard !request.exchange.isFinished else { return }  // cancelled before it got here
            let ex = LoopExchange(request: request)
            exchanges[ex.id] = ex
            if let overall = request.timeouts.overall {
                ex.deadline = request.startedAt &+ overall.nanoseconds
                arm(ex.deadline)
            }
            dispatch(ex, atFront: false)
        case .resume(let id):
            guard let ex = exchanges[id], let c = ex.connection, c.readPaused, !c.closed else { return }
            c.readPaused = false
            if let idle = ex.request.timeouts.idle { setDeadline(c, now + idle.nanoseconds) }
            if !c.registered {
                // Unregistered after a hang-up while paused: read what is left directly.
                readAvailable(c)
                if !c.closed, !c.readPaused, !c.registered {
                    c.interest = CSHIM_EPOLLIN | CSHIM_EPOLLRDHUP
                    register(c)
                }
            } else {
                readAvailable(c)
            }
            if !c.closed { updateInterest(c) }
        case .abort(let id):
            guard let ex = exchanges.removeValue(forKey: id) else { return }
            if let c = ex.connection {
                detach(ex, c)
                close(c)
            } else {
                pools[ex.origin]?.waiters.removeAll { $0 === ex }
            }
        case .resolved(let id, let result):
            guard let c = connections[id], !c.closed, c.phase == .resolving else { return }
            switch result {
            case .success(let addresses):
                c.addresses = addresses
                startConnect(c)
            case .failure(let error):
                failConnection(c, error)
            }
        case .stop:
            running = false
        }
    }

    // MARK: routing and the pool

    private func pool(for origin: Origin) -> OriginPool {
        if let p = pools[origin] { return p }
        let p = OriginPool()
        pools[origin] = p
        return p
    }

    /// Puts a request on an idle connection that is still alive, a new connection, or the queue.
    private func dispatch(_ ex: LoopExchange, atFront: Bool) {
        let pool = pool(for: ex.origin)
        while let c = pool.idle.popLast() {
            let peek = cshim_peek(c.fd)
            if peek == -EAGAIN || peek == -EWOULDBLOCK {
                assign(c, ex)
                return
            }
            close(c)  // EOF (the server idle-closed it), unsolicited bytes, or an error
        }
        if pool.open < configuration.maxConnectionsPerOrigin {
            open(for: ex, in: pool)
        } else if atFront {
            pool.waiters.insert(ex, at: 0)
        } else {
            pool.waiters.append(ex)
        }
    }

    private func serviceWaiters() {
        while let origin = needsService.popFirst() {
            guard let pool = pools[origin] else { continue }
            while pool.open < configuration.maxConnectionsPerOrigin, !pool.waiters.isEmpty {
                dispatch(pool.waiters.removeFirst(), atFront: true)
            }
            if pool.isUnused { pools[origin] = nil }
        }
    }

    private func open(for ex: LoopExchange, in pool: OriginPool) {
        pool.open += 1
        serial += 1
        let c = ClientConnection(id: serial, origin: ex.origin)
        connections[c.id] = c
        c.exchange = ex
        ex.connection = c
        setDeadline(c, now + ex.request.timeouts.connect.nanoseconds)
        if Resolver.isNumeric(ex.origin.host) {
            c.addresses = [ex.origin.host]
            startConnect(c)
        } else {
            c.phase = .resolving
            let id = c.id
            Resolver.resolve(ex.origin.host) { [weak self] result in
                self?.post(.resolved(connectionID: id, result))
            }
        }
    }

    private func startConnect(_ c: ClientConnection) {
        if c.nextAddress == 0 {
            let allowed = c.addresses.filter { configuration.addressPolicy.allows($0) }
            guard !allowed.isEmpty else { return failConnection(c, .addressNotAllowed(host: c.origin.host)) }
            c.addresses = allowed
        }
        while c.nextAddress < c.addresses.count {
            let address = c.addresses[c.nextAddress]
            c.nextAddress += 1
            var inProgress: Int32 = 0
            let fd = cshim_connect_tcp(address, Int32(c.origin.port), configuration.tcpNoDelay ? 1 : 0, &inProgress)
            guard fd >= 0 else {
                c.lastErrno = -fd
                continue
            }
            c.fd = fd
            if inProgress != 0 {
                c.phase = .connecting
                c.interest = CSHIM_EPOLLOUT
                guard register(c) else { return }
            } else {
                c.interest = CSHIM_EPOLLIN | CSHIM_EPOLLRDHUP
                guard register(c) else { return }
                connected(c)
            }
            return
        }
        failConnection(c, .connectFailed(errno: c.lastErrno))
    }

    @discardableResult
    private func register(_ c: ClientConnection) -> Bool {
        let rc = cshim_epoll_ctl(epfd, 0, c.fd, c.interest, c.id)
        guard rc == 0 else {
            failConnection(c, .socketError(errno: -rc))
            return false
        }
        c.registered = true
        return true
    }

    private func finishConnect(_ c: ClientConnection) {
        let err = cshim_socket_error(c.fd)
        if err == 0 {
            connected(c)
            return
        }
        Glibc.close(c.fd)  // also leaves the epoll set
        c.fd = -1
        c.registered = false
        c.lastErrno = err
        startConnect(c)
    }

    private func connected(_ c: ClientConnection) {
        guard let ex = c.exchange else {
            close(c)
            return
        }
        assign(c, ex)
    }

    /// Starts `ex` on `c`: write the request, expect the head before the head timeout.
    private func assign(_ c: ClientConnection, _ ex: LoopExchange) {
        c.phase = .active
        c.exchange = ex
        ex.connection = c
        c.output = ex.request.bytes
        c.outputSent = 0
        c.writeFailed = false
        c.readPaused = false
        c.reader = ResponseReader(
            isHeadRequest: ex.request.isHeadRequest, maxHeadBytes: configuration.maxHeadBytes,
            maxHeaderCount: configuration.maxHeaderCount)
        setDeadline(c, now + ex.request.timeouts.responseHead.nanoseconds)
        flush(c)
        if !c.closed { updateInterest(c) }
    }

    /// A response ended: the connection goes to the next waiter, to the idle list, or away.
    private func complete(_ c: ClientConnection, _ ex: LoopExchange) {
        exchanges[ex.id] = nil
        detach(ex, c)
        guard c.reader.keepAlive, c.requestFullySent else {
            close(c)
            return
        }
        c.served += 1
        c.output = []
        c.outputSent = 0
        let pool = pool(for: c.origin)
        if !pool.waiters.isEmpty {
            assign(c, pool.waiters.removeFirst())
        } else if pool.idle.count < configuration.maxIdleConnectionsPerOrigin {
            c.phase = .idle
            setDeadline(c, now + configuration.idleConnectionTimeout.nanoseconds)
            pool.idle.append(c)
            updateInterest(c)
        } else {
            close(c)
        }
    }

    private func detach(_ ex: LoopExchange, _ c: ClientConnection) {
        ex.connection = nil
        if c.exchange === ex { c.exchange = nil }
    }

    private func close(_ c: ClientConnection) {
        guard !c.closed else { return }
        c.closed = true
        if c.fd >= 0 { Glibc.close(c.fd) }  // also leaves the epoll set
        c.fd = -1
        connections[c.id] = nil
        if let ex = c.exchange {
            // Every caller detaches or fails the exchange first; never leave one waiting forever.
            exchanges[ex.id] = nil
            ex.connection = nil
            c.exchange = nil
            ex.request.exchange.fail(HTTPClientError.connectionClosed)
        }
        if let pool = pools[c.origin] {
            pool.open -= 1
            if c.phase == .idle { pool.idle.removeAll { $0 === c } }
            needsService.insert(c.origin)
        }
    }

    /// Fails an exchange with `error` and closes its connection (or takes it out of the queue).
    private func fail(_ ex: LoopExchange, _ error: HTTPClientError) {
        exchanges[ex.id] = nil
        ex.request.exchange.fail(error)
        if let c = ex.connection {
            detach(ex, c)
            close(c)
        } else {
            pools[ex.origin]?.waiters.removeAll { $0 === ex }
            needsService.insert(ex.origin)
        }
    }

    /// A connection could not be set up (resolve, connect, epoll): its exchange fails.
    private func failConnection(_ c: ClientConnection, _ error: HTTPClientError) {
        if let ex = c.exchange {
            fail(ex, error)
        }
        close(c)
    }

    // MARK: I/O

    private func onEvents(_ c: ClientConnection, _ bits: UInt32) {
        switch c.phase {
        case .resolving:
            return
        case .connecting:
            finishConnect(c)
        case .idle:
            close(c)  // the server closed it, or sent bytes nobody asked for
        case .active:
            if bits & CSHIM_EPOLLOUT != 0 {
                flush(c)
                if c.closed { return }
            }
            let readable = bits & (CSHIM_EPOLLIN | CSHIM_EPOLLRDHUP | CSHIM_EPOLLHUP | CSHIM_EPOLLERR) != 0
            if readable && !c.readPaused {
                readAvailable(c)
            } else if c.readPaused && bits & (CSHIM_EPOLLHUP | CSHIM_EPOLLERR) != 0 && c.registered {
                // HUP/ERR are reported whatever the interest; leave the set until the consumer
                // resumes, or a level-triggered hang-up would spin the loop.
                _ = cshim_epoll_ctl(epfd, 2, c.fd, 0, c.id)
                c.registered = false
            }
        }
    }

    private func flush(_ c: ClientConnection) {
        guard let ex = c.exchange else { return }
        while c.outputPending {
            let n = c.output.withUnsafeBytes { p in
                cshim_send(c.fd, p.baseAddress! + c.outputSent, p.count - c.outputSent)
            }
            if n > 0 {
                c.outputSent += n
                continue
            }
            let e = Int32(-n)
            if e == EAGAIN || e == EWOULDBLOCK { return }
            if e == EINTR { continue }
            // The peer is gone for writing. A response (or EOF) may already be waiting: read it,
            // and let the read path decide between the response, a retry and an error.
            c.writeFailed = true
            readAvailable(c)
            if !c.closed, c.exchange === ex, !c.reader.sawBytes {
                broken(c, ex, errno: e)
            }
            return
        }
    }

    private func readAvailable(_ c: ClientConnection) {
        guard let ex = c.exchange else { return }
        var reads = 0
        while !c.closed, !c.readPaused, c.exchange === ex, reads < 16 {
            let n = cshim_recv(c.fd, scratch, Self.scratchSize)
            if n > 0 {
                reads += 1
                process(c, ex, UnsafeBufferPointer(start: scratch, count: n))
                continue
            }
            if n == 0 {
                endOfInput(c, ex)
                return
            }
            let e = Int32(-n)
            if e == EAGAIN || e == EWOULDBLOCK { return }
            if e == EINTR { continue }
            broken(c, ex, errno: e)
            return
        }
    }

    private func process(_ c: ClientConnection, _ ex: LoopExchange, _ bytes: UnsafeBufferPointer<UInt8>) {
        let exchange = ex.request.exchange
        var sawHead = false
        var paused = false
        do {
            try c.reader.consume(bytes) { event in
                switch event {
                case .head(let head):
                    sawHead = true
                    exchange.receiveHead(head)
                case .body(let chunk):
                    if !exchange.receive(chunk) { paused = true }
                case .end(let trailers):
                    exchange.finish(trailers: trailers)
                }
            }
        } catch {
            fail(ex, error)
            return
        }
        if c.reader.isComplete {
            complete(c, ex)
            return
        }
        if paused {
            c.readPaused = true
            setDeadline(c, 0)  // the consumer is behind, not the server
        } else if sawHead || c.reader.hasHead {
            setDeadline(c, ex.request.timeouts.idle.map { now + $0.nanoseconds } ?? 0)
        }
    }

    private func endOfInput(_ c: ClientConnection, _ ex: LoopExchange) {
        let exchange = ex.request.exchange
        do {
            try c.reader.finishAtEOF { event in
                if case .end(let trailers) = event { exchange.finish(trailers: trailers) }
            }
            complete(c, ex)  // close-delimited: never reusable, so this closes it
        } catch {
            broken(c, ex, errno: 0)
        }
    }

    /// The connection died (EOF before the response was complete, a reset, a failed write).
    private func broken(_ c: ClientConnection, _ ex: LoopExchange, errno e: Int32) {
        if canRetry(c, ex) {
            ex.retried = true
            detach(ex, c)
            close(c)
            dispatch(ex, atFront: true)
            return
        }
        let error: HTTPClientError = (e == 0 || e == ECONNRESET || e == EPIPE) ? .connectionClosed : .socketError(errno: e)
        fail(ex, error)
    }

    /// See the type's documentation: only on a reused connection, only before any response
    /// byte, only once, and only if nothing was written or the method is idempotent.
    private func canRetry(_ c: ClientConnection, _ ex: LoopExchange) -> Bool {
        guard c.served > 0, !ex.retried, !c.reader.sawBytes else { return false }
        return c.outputSent == 0 || ex.request.isIdempotent
    }

    private func updateInterest(_ c: ClientConnection) {
        guard c.fd >= 0, c.registered, !c.closed else { return }
        var wanted: UInt32 = 0
        switch c.phase {
        case .resolving: return
        case .connecting: wanted = CSHIM_EPOLLOUT
        case .idle: wanted = CSHIM_EPOLLIN | CSHIM_EPOLLRDHUP
        case .active:
            if !c.readPaused { wanted |= CSHIM_EPOLLIN | CSHIM_EPOLLRDHUP }
            if c.outputPending { wanted |= CSHIM_EPOLLOUT }
        }
        if wanted != c.interest {
            c.interest = wanted
            _ = cshim_epoll_ctl(epfd, 1, c.fd, wanted, c.id)
        }
    }

    // MARK: timers

    private func arm(_ deadline: UInt64) {
        if deadline != 0 && deadline < nextTimer { nextTimer = deadline }
    }

    private func setDeadline(_ c: ClientConnection, _ deadline: UInt64) {
        c.deadline = deadline
        arm(deadline)
    }

    private func sweep() {
        nextTimer = .max
        for c in Array(connections.values) where !c.closed && c.deadline != 0 {
            if now >= c.deadline {
                expire(c)
            } else {
                arm(c.deadline)
            }
        }
        for ex in Array(exchanges.values) where ex.deadline != 0 {
            if now >= ex.deadline {
                fail(ex, .deadlineExceeded)
            } else {
                arm(ex.deadline)
            }
        }
    }

    private func expire(_ c: ClientConnection) {
        switch c.phase {
        case .resolving, .connecting:
            failConnection(c, .connectTimeout)
        case .idle:
            close(c)
        case .active:
            guard let ex = c.exchange else {
                close(c)
                return
            }
            if !c.reader.hasHead {
                fail(ex, .responseHeadTimeout)
            } else if c.readPaused {
                c.deadline = 0
            } else {
                fail(ex, .idleTimeout)
            }
        }
    }

    // MARK: exit

    private func teardown() {
        let leftovers = inbox.withLock { box -> [ClientLoopMessage] in
            box.stopped = true
            defer { box.messages = [] }
            return box.messages
        }
        for case .submit(let request) in leftovers { request.exchange.fail(HTTPClientError.shutdown) }
        for ex in Array(exchanges.values) { fail(ex, .shutdown) }
        for c in Array(connections.values) { close(c) }
        pools = [:]
        needsService = []
        exited.fire()
    }
}
