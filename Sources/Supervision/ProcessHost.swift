internal import CShim
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The one OS thread that forks every child, reaps every child and drains every captured stderr.
///
/// Why one immortal thread:
/// - `PR_SET_PDEATHSIG` fires when the *thread* that forked the child exits, not the process.
///   Forking from a cooperative-pool or short-lived thread would kill children at random when
///   that thread retires. This thread never exits, so the signal fires exactly when our process
///   dies.
/// - Reaping must not block a cooperative thread (the pool has two on this machine). Each child
///   gets a `pidfd` (Linux 5.3+) in this thread's epoll set; readable means exited, and the reap
///   (`ExitLatch.reapExited`) never blocks. One thread serves any number of children, with no
///   SIGCHLD handler to fight over with other code in the process. On a kernel without
///   `pidfd_open` each child falls back to its own waiter thread (blocking `waitid`, WNOWAIT),
///   which only hands the exit to this thread, so the reap happens here either way.
/// - Captured stderr pipes are non-blocking and sit in the same epoll set, so a chatty child is
///   drained without a thread of its own.
/// Spawning blocks this thread only until the child has exec'd (the error pipe closes), which is
/// milliseconds; reaping waits that long at worst.
///
/// The host also sets SIGPIPE to ignored process-wide on first use: writing to the stdin of a
/// child that died must be an `EPIPE` error for the writer, not the death of the supervisor.
/// Children get every disposition reset to default, so they do not inherit this.
///
/// SAFETY (`@unchecked Sendable`): `watches` and `nextTag` are touched only on the host thread;
/// other threads reach the host only through `inbox` (a Mutex) and an eventfd write.
final class ProcessHost: @unchecked Sendable {
    static let shared = ProcessHost()

    /// A fully prepared spawn, run on the host thread.
    struct Request: Sendable {
        var path: String
        var argv: [String]
        var envp: [String]
        var workingDirectory: String?
        var captureStderr: Bool
        /// Watch the exit with a waiter thread even when a pidfd is available (tests of the
        /// fallback path).
        var forceWaiterThread = false
        var done: CheckedContinuation<Result<Spawned, SpawnError>, Never>
    }

    /// What a successful spawn hands back.
    struct Spawned: Sendable {
        var pid: Int32
        var stdinFD: Int32
        var stdoutFD: Int32
        /// The read end of stderr when the caller asked for `.pipe`; -1 when captured.
        var stderrFD: Int32
        var latch: ExitLatch
        var stderr: StderrBuffer?
    }

    private enum Watch {
        /// `stderrTag` names the child's captured-stderr watch, drained before the reap; `pidfd`
        /// is -1 when a waiter thread watches the exit instead.
        case exit(ExitLatch, pidfd: Int32, stderrTag: UInt64?)
        case stderr(StderrBuffer, fd: Int32)
    }

    private enum Message: Sendable {
        case spawn(Request)
        /// A waiter thread saw the child behind this exit watch exit.
        case exited(tag: UInt64)
        /// Sweep for adopted orphans from now on (see `OrphanAdoption`).
        case adopt
        /// Kill and reap every adopted orphan; answers how many were killed.
        case endAdopted(CheckedContinuation<Int, Never>)
    }

    private static let wakeTag: UInt64 = 0

    private let epfd: Int32
    private let wakeFD: Int32
    private let inbox = Mutex<[Message]>([])
    // Host-thread state
    private var watches: [UInt64: Watch] = [:]
    private var nextTag: UInt64 = 1
    private var adopting = false
    private var nextSweep = ContinuousClock.now

    private init() {
        cshim_ignore_sigpipe()
        epfd = cshim_epoll_create()
        wakeFD = cshim_eventfd()
        precondition(epfd >= 0 && wakeFD >= 0, "ProcessHost: cannot create epoll/eventfd (\(epfd), \(wakeFD))")
        _ = cshim_epoll_ctl(epfd, 0, wakeFD, CSHIM_EPOLLIN, Self.wakeTag)
        let thread = Thread { [self] in run() }
        thread.name = "child-processes"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Runs `request` on the host thread and returns its outcome.
    func spawn(
        path: String, argv: [String], envp: [String], workingDirectory: String?, captureStderr: Bool,
        forceWaiterThread: Bool = false
    ) async -> Result<Spawned, SpawnError> {
        await withCheckedContinuation { continuation in
            post(
                .spawn(
                    Request(
                        path: path, argv: argv, envp: envp, workingDirectory: workingDirectory,
                        captureStderr: captureStderr, forceWaiterThread: forceWaiterThread, done: continuation)))
        }
    }

    func adoptOrphans() { post(.adopt) }

    func endAdopted() async -> Int {
        await withCheckedContinuation { post(.endAdopted($0)) }
    }

    private func post(_ message: Message) {
        let wasEmpty = inbox.withLock { queue in
            queue.append(message)
            return queue.count == 1
        }
        if wasEmpty { cshim_eventfd_signal(wakeFD) }
    }

    // MARK: - Host thread

    private func run() -> Never {
        var events = [cshim_epoll_event](repeating: cshim_epoll_event(), count: 64)
        while true {
            // While adopting, wake by the next sweep at the latest to reap orphans that exited.
            let wait: Int32 = adopting ? Int32(max(0, ((nextSweep - .now).seconds * 1000).rounded(.up))) : -1
            let count = events.withUnsafeMutableBufferPointer { cshim_epoll_wait(epfd, $0.baseAddress, 64, wait) }
            if adopting, ContinuousClock.now >= nextSweep {
                reapStrangers()
                nextSweep = .now + OrphanAdoption.sweepInterval
            }
            if count <= 0 { continue }
            for event in events[0..<Int(count)] {
                if event.data == Self.wakeTag {
                    cshim_eventfd_drain(wakeFD)
                    let messages = inbox.withLock { queue in
                        defer { queue.removeAll() }
                        return queue
                    }
                    for message in messages {
                        switch message {
                        case .spawn(let request): request.done.resume(returning: perform(request))
                        case .exited(let tag): service(tag: tag)
                        case .adopt: adopting = true
                        case .endAdopted(let done): done.resume(returning: killStrangers())
                        }
                    }
                } else {
                    service(tag: event.data)
                }
            }
        }
    }

    // MARK: - Adopted orphans (host thread)

    /// Our children that this host did not spawn: with `OrphanAdoption` on, orphans the kernel
    /// re-parented to us. A child we spawned is known from its exit watch from the moment of
    /// the spawn (both happen on this thread), so it is never mistaken for one.
    private func strangers(thorough: Bool = false) -> [Int32] {
        var known = Set<Int32>()
        for case .exit(let latch, _, _) in watches.values { known.insert(latch.pid) }
        return OrphanAdoption.children(thorough: thorough).filter { !known.contains($0) }
    }

    /// Reaps the strangers that exited; returns those still running.
    @discardableResult
    private func reapStrangers(thorough: Bool = false) -> [Int32] {
        strangers(thorough: thorough).filter { pid in
            var kind: Int32 = 0, value: Int32 = 0
            return cshim_reap(pid, 0, &kind, &value) == 0
        }
    }

    /// SIGKILLs every running stranger and reaps it, again for those its death orphans, until
    /// two reads in a row find none (children are re-parented while we look), for about a
    /// second at most. (An unreaped child's pid cannot be reused: the kill reaches it.)
    private func killStrangers() -> Int {
        var killed = 0
        var signalled = Set<Int32>()
        var quiet = 0
        for _ in 0..<50 {
            let running = reapStrangers(thorough: true)
            // A pid reaped since it was signalled may come back as another orphan.
            signalled.formIntersection(running)
            if running.isEmpty {
                quiet += 1
                if quiet == 2 { break }
            } else {
                quiet = 0
                for pid in running where !signalled.contains(pid) {
                    kill(pid, SIGKILL)
                    signalled.insert(pid)
                    killed += 1
                }
            }
            usleep(20_000)
        }
        return killed
    }

    private func perform(_ request: Request) -> Result<Spawned, SpawnError> {
        var result = cshim_spawn_result()
        let rc = withCStrings(request.argv) { argv in
            withCStrings(request.envp) { envp in
                if let directory = request.workingDirectory {
                    return directory.withCString { cshim_spawn(request.path, argv, envp, $0, request.captureStderr ? 1 : 0, &result) }
                }
                return cshim_spawn(request.path, argv, envp, nil, request.captureStderr ? 1 : 0, &result)
            }
        }
        guard rc == 0 else { return .failure(Self.error(for: result, request: request)) }

        let latch = ExitLatch(pid: result.pid)
        var stderr: StderrBuffer?
        var stderrFD = result.stderr_fd
        var stderrTag: UInt64?
        if request.captureStderr {
            let buffer = StderrBuffer()
            stderrTag = register(.stderr(buffer, fd: result.stderr_fd), fd: result.stderr_fd)
            stderr = buffer
            stderrFD = -1
        }
        if result.pidfd >= 0 && !request.forceWaiterThread {
            register(.exit(latch, pidfd: result.pidfd, stderrTag: stderrTag), fd: result.pidfd)
        } else {
            if result.pidfd >= 0 { close(result.pidfd) }
            let tag = register(.exit(latch, pidfd: -1, stderrTag: stderrTag), fd: nil)
            let pid = result.pid
            let thread = Thread { [self] in
                // Blocks until the child has exited, without reaping it; the reap (and the
                // group kill before it) happens on the host thread. An error (ECHILD: reaped
                // elsewhere) also ends the wait; the reap then reports `.unknown`.
                _ = cshim_wait_exited(pid)
                post(.exited(tag: tag))
            }
            thread.name = "child-waiter"
            thread.stackSize = 64 * 1024
            thread.start()
        }
        return .success(
            Spawned(
                pid: result.pid, stdinFD: result.stdin_fd, stdoutFD: result.stdout_fd, stderrFD: stderrFD,
                latch: latch, stderr: stderr))
    }

    private static func error(for result: cshim_spawn_result, request: Request) -> SpawnError {
        switch result.stage {
        case CSHIM_SPAWN_EXEC: return .cannotExecute(path: request.path, code: result.error)
        case CSHIM_SPAWN_CHDIR: return .cannotChangeDirectory(path: request.workingDirectory ?? "", code: result.error)
        case CSHIM_SPAWN_PIPE: return .system(step: "pipe", code: result.error)
        case CSHIM_SPAWN_FORK: return .system(step: "fork", code: result.error)
        case CSHIM_SPAWN_SETPGID: return .system(step: "setpgid", code: result.error)
        case CSHIM_SPAWN_PDEATHSIG: return .system(step: "prctl(PR_SET_PDEATHSIG)", code: result.error)
        case CSHIM_SPAWN_ORPHANED: return .system(step: "parent check", code: result.error)
        case CSHIM_SPAWN_DUP: return .system(step: "dup2", code: result.error)
        default: return .system(step: "spawn report", code: result.error)
        }
    }

    /// Records `watch` under a new tag and, when `fd` is given, adds it to the epoll set.
    @discardableResult
    private func register(_ watch: Watch, fd: Int32?) -> UInt64 {
        let tag = nextTag
        nextTag += 1
        watches[tag] = watch
        if let fd {
            let rc = cshim_epoll_ctl(epfd, 0, fd, CSHIM_EPOLLIN, tag)
            precondition(rc == 0, "ProcessHost: epoll_ctl add failed (\(rc))")
        }
        return tag
    }

    private func unregister(tag: UInt64, fd: Int32) {
        if fd >= 0 {
            _ = cshim_epoll_ctl(epfd, 2, fd, 0, tag)
            close(fd)
        }
        watches[tag] = nil
    }

    private func service(tag: UInt64) {
        switch watches[tag] {
        case .exit(let latch, let pidfd, let stderrTag):
            // Everything the child itself wrote is in the pipe by now: take it before the exit
            // is announced, so a status waiter always sees the child's last words.
            if let stderrTag { service(tag: stderrTag) }
            if latch.reapExited() { unregister(tag: tag, fd: pidfd) }
        case .stderr(let buffer, let fd):
            if drain(fd: fd, into: buffer) {
                buffer.markClosed()
                unregister(tag: tag, fd: fd)
            }
        case nil:
            break
        }
    }

    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    /// Reads everything available; returns true at end of file (or a read error).
    private func drain(fd: Int32, into buffer: StderrBuffer) -> Bool {
        while true {
            let n = read(fd, scratch.baseAddress, scratch.count)
            if n > 0 {
                buffer.append(UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                continue
            }
            if n == 0 { return true }
            switch errno {
            case EINTR: continue
            case EAGAIN: return false
            default: return true
            }
        }
    }
}

/// Calls `body` with a NULL-terminated `char *[]` for `strings` (valid only inside `body`).
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
