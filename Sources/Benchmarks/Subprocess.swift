import CShim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A process the suite started — a server under test or a load tool — in its own process group,
/// so stopping it also stops what it started (uvicorn's workers, a gateway's upstream).
///
/// `posix_spawn` rather than Foundation `Process`: the child must inherit the spawning thread's
/// CPU mask (see `CPUPinning`), start with default signal dispositions even though the suite
/// ignores SIGPIPE, and be reaped exactly when the suite decides, with no run-loop thread.
final class Subprocess {
    let pid: pid_t
    let argv: [String]
    /// Write end of the child's stdin, or -1 when its stdin is /dev/null.
    private(set) var input: Int32
    /// Read end of the child's stdout, or -1 when its stdout went to a file.
    let output: Int32
    private(set) var exitStatus: Int32?

    enum Stdout {
        /// A pipe the suite reads (`output`).
        case pipe
        /// Appended to this file.
        case file(String)
    }

    /// Starts `argv` (looked up on PATH when it has no slash) with the suite's environment plus
    /// `environment`; stderr is appended to `stderrPath`.
    init(_ argv: [String], environment: [String: String] = [:], stdinPipe: Bool, stdout: Stdout, stderrPath: String,
         mergeStderr: Bool = false) throws {
        precondition(!argv.isEmpty)
        self.argv = argv
        var toChild: [Int32] = [-1, -1], fromChild: [Int32] = [-1, -1]
        if stdinPipe, case let failed = cshim_pipe2(&toChild, 0), failed != 0 { throw BenchmarkFailure("pipe2: \(String(cString: strerror(-failed)))") }
        if case .pipe = stdout, case let failed = cshim_pipe2(&fromChild, 0), failed != 0 { throw BenchmarkFailure("pipe2: \(String(cString: strerror(-failed)))") }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdinPipe {
            posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        switch stdout {
        case .pipe: posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        case .file(let path): posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        if mergeStderr {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)

        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in cArguments { free(pointer) }
            for pointer in cEnvironment { free(pointer) }
        }
        var child: pid_t = 0
        let status = posix_spawnp(&child, argv[0], &actions, &attributes, cArguments, cEnvironment)
        if stdinPipe { close(toChild[0]) }
        if case .pipe = stdout { close(fromChild[1]) }
        guard status == 0 else {
            if stdinPipe { close(toChild[1]) }
            if case .pipe = stdout { close(fromChild[0]) }
            throw BenchmarkFailure("cannot start \(argv[0]): \(String(cString: strerror(status)))")
        }
        pid = child
        input = stdinPipe ? toChild[1] : -1
        if case .pipe = stdout { output = fromChild[0] } else { output = -1 }
    }

    deinit {
        if exitStatus == nil {
            kill(-pid, SIGKILL)
            _ = waitForExit(seconds: 5)
        }
        if input >= 0 { close(input) }
        if output >= 0 { close(output) }
    }

    var isRunning: Bool { exitStatus == nil && !reap() }

    /// Gives the child EOF on stdin.
    func closeInput() {
        if input >= 0 { close(input); input = -1 }
    }

    /// Stops the child: EOF first (a stdio server's clean way out), then SIGTERM and SIGKILL to
    /// its whole process group. Returns its wait status.
    @discardableResult
    func stop(grace: Double = 2) -> Int32 {
        if let exitStatus { return exitStatus }
        if input >= 0 {
            closeInput()
            if waitForExit(seconds: grace) { return exitStatus! }
        }
        kill(-pid, SIGTERM)
        if waitForExit(seconds: 5) { return exitStatus! }
        kill(-pid, SIGKILL)
        _ = waitForExit(seconds: 30)
        return exitStatus ?? -1
    }

    /// Waits up to `seconds` for the child to exit.
    func waitForExit(seconds: Double) -> Bool {
        let deadline = Monotonic.seconds() + seconds
        while true {
            if reap() { return true }
            if Monotonic.seconds() >= deadline { return false }
            usleep(5_000)
        }
    }

    private func reap() -> Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid || (result < 0 && errno == ECHILD) {
            exitStatus = status
            return true
        }
        return false
    }

    /// Runs `argv` to completion and returns its exit code and everything it wrote to stdout and
    /// stderr (for short-lived tools: the C compiler, wrk, the CLI).
    static func capture(_ argv: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = try Subprocess(argv, environment: environment, stdinPipe: false, stdout: .pipe, stderrPath: "/dev/null", mergeStderr: true)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(process.output, $0.baseAddress, $0.count) }
            if count > 0 { bytes += chunk[0..<count]; continue }
            if count < 0 && errno == EINTR { continue }
            break
        }
        _ = process.waitForExit(seconds: 3600)
        let status = process.exitStatus ?? -1
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, String(decoding: bytes, as: UTF8.self))
    }
}
