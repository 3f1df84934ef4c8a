internal import CShim
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 server on epoll event loops that knows nothing about what it serves.
///
/// Why our own: the project has no package dependencies, and the measured design
/// (TOOLCHAIN.md §2: N epoll loops, parse on the loop, one Task per request, responses back
/// through a Mutex inbox + eventfd) serves ~90k req/s with a low tail. See `EventLoop` for the
/// threading and accept design, `Connection` for the protocol state machine, and
/// `Configuration` for every limit and timeout.
///
/// ```swift
/// let server = HTTPServer(configuration: config) { request in .text(200, "hello") }
/// let addresses = try server.start()      // e.g. [127.0.0.1:41234]
/// ...
/// await server.shutdown(gracePeriod: .seconds(5))
/// ```
///
/// Process-wide side effects of `start()`: SIGPIPE is ignored (sends also use MSG_NOSIGNAL),
/// and the soft RLIMIT_NOFILE is raised towards what `maxConnections` needs.
///
/// Threads: `Configuration.loopCount` loop threads (default: the CPUs this process may use).
/// Handlers run on Swift's global concurrent executor, one Task per request, so a handler may
/// `await` freely; CPU-heavy or blocking work in a handler occupies a cooperative-pool thread,
/// never a loop.
public final class HTTPServer: Sendable {
    public let configuration: Configuration
    private let handler: HTTPHandler
    private let state = Mutex<State>(.idle)
    private let stopped = OneShot()
    /// Which loop takes the next `watchReadable`.
    private let watchTurn = Atomic<Int>(0)

    private enum State {
        case idle
        case starting
        case running(core: ServerCore, loops: [EventLoop], addresses: [SocketAddress])
        case stopping(core: ServerCore)
        case stopped
    }

    public init(configuration: Configuration = Configuration(), handler: @escaping HTTPHandler) {
        self.configuration = configuration
        self.handler = handler
    }

    /// Binds every configured address, starts the loop threads and returns the bound addresses
    /// (with the real port when 0 was asked for). Throws if an address cannot be parsed or bound.
    @discardableResult
    public func start() throws -> [SocketAddress] {
        try state.withLock { s throws(HTTPError) in
            guard case .idle = s else { throw HTTPError.alreadyStarted }
            s = .starting
        }
        do {
            let (core, loops, addresses) = try launch()
            state.withLock { $0 = .running(core: core, loops: loops, addresses: addresses) }
            return addresses
        } catch {
            state.withLock { $0 = .idle }
            throw error
        }
    }

    private func launch() throws(HTTPError) -> (ServerCore, [EventLoop], [SocketAddress]) {
        try configuration.validate()
        let wanted = try configuration.addresses.map { text throws(HTTPError) -> SocketAddress in
            guard let a = SocketAddress(parsing: text) else { throw .invalidAddress(text) }
            return a
        }
        cshim_ignore_sigpipe()
        _ = cshim_raise_nofile_limit(configuration.maxConnections + 256)

        let core = ServerCore(settings: LoopSettings(configuration), handler: handler)
        var loops: [EventLoop] = []
        for i in 0..<configuration.resolvedLoopCount {
            loops.append(try EventLoop(index: i, core: core))
        }

        var fds: [Int32] = []
        var bound: [SocketAddress] = []
        for address in wanted {
            var host = [CChar](repeating: 0, count: 64)
            var port: Int32 = 0
            let fd = cshim_listen_tcp(address.host, Int32(address.port), Int32(configuration.backlog), &host, 64, &port)
            guard fd >= 0 else {
                for f in fds { Glibc.close(f) }
                throw .bindFailed(address: address.description, errno: -fd)
            }
            fds.append(fd)
            bound.append(SocketAddress(host: String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), port: Int(port)))
        }
        do {
            try loops[0].installListeners(fds)
        } catch {
            for f in fds { Glibc.close(f) }
            throw error
        }
        loops[0].peers = loops

        for loop in loops {
            let thread = Thread { loop.run() }
            thread.name = "http-loop-\(loop.index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        return (core, loops, bound)
    }

    /// The addresses bound by `start()` (empty before it, and after shutdown).
    public var addresses: [SocketAddress] {
        state.withLock { s in
            if case .running(_, _, let a) = s { return a }
            return []
        }
    }

    /// Open connections right now, across all loops.
    public var connectionCount: Int {
        state.withLock { s in
            switch s {
            case .running(let core, _, _), .stopping(let core): core.connectionCount.load(ordering: .relaxed)
            default: 0
            }
        }
    }

    /// Graceful shutdown: stop accepting (listeners close, so new connects are refused), close
    /// idle keep-alive connections, let in-flight requests finish (their responses carry
    /// `Connection: close`), and after `gracePeriod` close whatever is left, cancelling its
    /// handler Tasks. Returns when every loop thread has exited. Safe to call more than once and
    /// before `start()`; later callers wait for the first shutdown to finish.
    public func shutdown(gracePeriod: Duration = .seconds(10)) async {
        var loops: [EventLoop]?
        while true {
            let (taken, starting) = state.withLock { s -> ([EventLoop]?, Bool) in
                switch s {
                case .idle:
                    s = .stopped
                    stopped.fire()
                    return (nil, false)
                case .starting:
                    return (nil, true)
                case .running(let core, let loops, _):
                    s = .stopping(core: core)
                    return (loops, false)
                default:
                    return (nil, false)
                }
            }
            guard starting else {
                loops = taken
                break
            }
            // start() is binding sockets on another thread right now; it takes microseconds.
            try? await Task.sleep(for: .milliseconds(1))
        }
        guard let loops else {
            await stopped.wait()
            return
        }

        let listenersClosed = OneShot()
        loops[0].post(.stopAccepting(listenersClosed))
        await listenersClosed.wait()
        // Handovers from the acceptor are already queued ahead of `.drain` in every inbox.
        for loop in loops { loop.post(.drain) }

        let done = OneShot()
        let timer = Task {
            try? await Task.sleep(for: gracePeriod)
            done.fire()
        }
        let watcher = Task {
            for loop in loops { await loop.drained.wait() }
            done.fire()
        }
        await done.wait()
        timer.cancel()

        for loop in loops { loop.post(.stop) }
        for loop in loops { await loop.exited.wait() }
        await watcher.value
        state.withLock { $0 = .stopped }
        stopped.fire()
    }
}

extension HTTPServer: ReadinessSource {
    /// Watches `fd` on one of the loops (they take watches in turn), so an owner's reading
    /// happens on a thread that also answers HTTP connections. Nil unless the server is running.
    public func watchReadable(_ fd: Int32, _ handler: @escaping @Sendable (ReadinessEvent) -> Void) -> ReadinessWatch? {
        let loop = state.withLock { s -> EventLoop? in
            guard case .running(_, let loops, _) = s else { return nil }
            return loops[watchTurn.add(1, ordering: .relaxed).oldValue % loops.count]
        }
        guard let loop else { return nil }
        let tag = loop.watch(fd, handler)
        return ReadinessWatch(cancel: { loop.unwatch(tag) }, schedule: { loop.atRoundEnd($0) })
    }
}
