internal import CShim
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One running child process with pipes on its stdin, stdout and stderr.
///
/// Why our own instead of Foundation `Process`: a supervised upstream server must be started in
/// its own process group (so shutdown reaches its whole tree with `kill(-pgid)`), with every
/// other fd closed, signals reset, an explicit minimal environment, and `PR_SET_PDEATHSIG` so it
/// dies with us even on `kill -9`; `Process` can do none of the last three and reaps through a
/// run-loop thread. The fork/exec steps are async-signal-safe C (`cshim_spawn`), run on the one
/// `ProcessHost` thread that also reaps every child without blocking a cooperative thread.
///
/// Ownership of the descriptors: `stdinFD` (write end) and `stdoutFD` (read end) stay open until
/// this object is deinitialized, so a reader or writer that holds a reference never sees a
/// reused fd number; `closeStdin()` gives the child EOF without freeing the number (it is pointed
/// at /dev/null). A captured stderr is drained by the host into a 64 KiB ring (`stderrTail`).
///
/// Dropping the last reference to a child that still runs SIGKILLs its process group: a child
/// is never left running unsupervised.
public final class ChildProcess: Sendable {
    /// The child's pid, which is also its process-group id.
    public let pid: Int32
    /// The absolute path that was executed.
    public let executablePath: String
    /// Write end of the child's stdin (close-on-exec). Valid until deinit; after `closeStdin()`
    /// it refers to /dev/null.
    public let stdinFD: Int32
    /// Read end of the child's stdout (close-on-exec, blocking). Reads return EOF once the child
    /// and everything that inherited its stdout have exited.
    public let stdoutFD: Int32
    /// Read end of the child's stderr when the spec asked for `.pipe`; nil when captured.
    public let stderrFD: Int32?

    let latch: ExitLatch
    private let stderrBuffer: StderrBuffer?
    private let stdinOpen = Mutex(true)

    init(spawned: ProcessHost.Spawned, executablePath: String) {
        pid = spawned.pid
        self.executablePath = executablePath
        stdinFD = spawned.stdinFD
        stdoutFD = spawned.stdoutFD
        stderrFD = spawned.stderrFD >= 0 ? spawned.stderrFD : nil
        latch = spawned.latch
        stderrBuffer = spawned.stderr
    }

    deinit {
        latch.signalGroup(SIGKILL)
        close(stdinFD)
        close(stdoutFD)
        if let stderrFD { close(stderrFD) }
    }

    /// Starts `spec.command` (resolved with `ExecutableLookup`). Throws `SpawnError` when the
    /// command is not found, cannot be executed ("cannot execute X: <errno text>"), the working
    /// directory cannot be entered, or the spec cannot be passed to `execve`.
    public static func spawn(_ spec: LaunchSpec) async throws(SpawnError) -> ChildProcess {
        try await spawn(spec, forceWaiterThread: false)
    }

    /// `spawn`, optionally watching the exit with the waiter-thread fallback (for its tests).
    static func spawn(_ spec: LaunchSpec, forceWaiterThread: Bool) async throws(SpawnError) -> ChildProcess {
        let path = try ExecutableLookup.resolve(
            spec.command, searchPath: spec.environment["PATH"] ?? ProcessEnvironment.value("PATH"),
            workingDirectory: spec.workingDirectory)
        let argv = [spec.command] + spec.arguments
        for argument in argv where argument.utf8.contains(0) {
            throw .invalidSpec("an argument contains a NUL byte")
        }
        var envp: [String] = []
        for (name, value) in spec.environment.sorted(by: { $0.key < $1.key }) {
            if name.isEmpty || name.contains("=") || name.utf8.contains(0) {
                throw .invalidSpec("invalid environment variable name '\(name)'")
            }
            if value.utf8.contains(0) { throw .invalidSpec("environment variable \(name) contains a NUL byte") }
            envp.append("\(name)=\(value)")
        }
        if let directory = spec.workingDirectory, directory.isEmpty || directory.utf8.contains(0) {
            throw .invalidSpec("invalid working directory")
        }
        let outcome = await ProcessHost.shared.spawn(
            path: path, argv: argv, envp: envp, workingDirectory: spec.workingDirectory,
            captureStderr: spec.stderr == .capture, forceWaiterThread: forceWaiterThread)
        return ChildProcess(spawned: try outcome.get(), executablePath: path)
    }

    /// Gives the child EOF on stdin. Idempotent; the fd number stays valid (now /dev/null), so a
    /// concurrent writer writes into nothing instead of into a reused descriptor.
    public func closeStdin() {
        let wasOpen = stdinOpen.withLock { open in
            defer { open = false }
            return open
        }
        if wasOpen { _ = cshim_detach_to_devnull(stdinFD) }
    }

    /// The exit status once the child has been reaped; nil while it runs.
    public var currentStatus: ExitStatus? { latch.status }

    /// Waits until the child has exited and been reaped. Not cancellable (use
    /// `waitForExit(timeout:)` for a bounded wait); every child exits once `terminate` runs.
    public var exitStatus: ExitStatus {
        get async {
            let latch = latch
            return await Task { await latch.wait(timeout: nil) }.value ?? .unknown
        }
    }

    /// Waits up to `timeout` for the child to exit; nil on timeout or cancellation.
    public func waitForExit(timeout: Duration) async -> ExitStatus? {
        await latch.wait(timeout: timeout)
    }

    /// Sends `signal` to the child's whole process group, if the child has not been reaped yet
    /// (after the reap the pgid may belong to someone else). Returns whether it was sent.
    @discardableResult
    public func signalGroup(_ signal: Int32) -> Bool {
        latch.signalGroup(signal)
    }

    /// The shutdown sequence: close stdin (a well-behaved stdio server exits on EOF), wait up to
    /// `grace`; SIGTERM the process group, wait up to `grace`; SIGKILL the group; wait for the
    /// reap. When the child exits, whatever is left of its group is SIGKILLed before the reap,
    /// so no grandchild outlives it; descendants that had moved to another group or session
    /// when shutdown began are SIGKILLed once the child is gone (see `EscapedDescendants`).
    /// Cancellation of the calling task skips the remaining grace periods.
    @discardableResult
    public func terminate(grace: Duration = .seconds(2)) async -> ExitStatus {
        let escaped = EscapedDescendants.of(pid)
        defer { escaped.signal(SIGKILL) }
        closeStdin()
        if let status = await waitForExit(timeout: grace) { return status }
        signalGroup(SIGTERM)
        if let status = await waitForExit(timeout: grace) { return status }
        signalGroup(SIGKILL)
        return await exitStatus
    }

    /// The last bytes (up to 64 KiB) the child wrote to stderr; empty when stderr is `.pipe`.
    /// It may contain anything the child printed, secrets included: the caller decides what to
    /// show or log.
    public func stderrTail() -> [UInt8] {
        stderrBuffer?.contents ?? []
    }

    /// Every byte the child has written to stderr so far (kept or not).
    public var stderrByteCount: Int { stderrBuffer?.totalBytes ?? 0 }

    /// True once the captured stderr reached end of file (the child and all its inheritors
    /// closed it); always false for `.pipe`.
    public var stderrClosed: Bool { stderrBuffer?.isClosed ?? false }
}

/// Reads our own environment without Foundation.
enum ProcessEnvironment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }
}
