import Foundation
import Synchronization
import CShim

#if canImport(Glibc)
import Glibc
#endif

/// A child process for tests, with the part of Foundation's `Process` API the tests use.
///
/// Why not `Process`: on this toolchain (Swift 6.3.1) `Process.run()` walks `/proc/self/fd`
/// copying each dirent's whole 256-byte `d_name`, which reads past glibc's buffer and now and
/// then crashes the test process (swift-corelibs-foundation PR #5472, fixed after 6.3.1; two
/// suite runs in a row died of it here). This spawns with `posix_spawn`, closes every inherited
/// descriptor above 2 in the child (`cshim_posix_spawn`: `posix_spawn_file_actions_addclosefrom_np`),
/// and reaps the child on a thread of its own.
public final class TestProcess: @unchecked Sendable {
    public enum TerminationReason: Sendable { case exit, uncaughtSignal }

    public var executableURL: URL?
    public var arguments: [String]?
    /// Nil: this process's environment.
    public var environment: [String: String]?
    public var currentDirectoryURL: URL?
    /// `FileHandle` (including `FileHandle.nullDevice`) or `Pipe`; nil inherits ours.
    public var standardInput: Any?
    public var standardOutput: Any?
    public var standardError: Any?
    /// Called once, on the reaper thread, when the child has exited.
    public var terminationHandler: (@Sendable (TestProcess) -> Void)?

    private struct State {
        var pid: pid_t = 0
        var status: Int32?
        var reason: TerminationReason = .exit
    }
    private let state = Mutex(State())
    private let exited = DispatchSemaphore(value: 0)

    public init() {}

    public var processIdentifier: Int32 { state.withLock { $0.pid } }
    public var isRunning: Bool { state.withLock { $0.pid != 0 && $0.status == nil } }
    /// The exit code, or the signal that ended the child.
    public var terminationStatus: Int32 { state.withLock { $0.status ?? 0 } }
    public var terminationReason: TerminationReason { state.withLock { $0.reason } }

    public func terminate() { signal(SIGTERM) }
    public func signal(_ number: Int32) {
        let pid = processIdentifier
        if pid > 0 && isRunning { kill(pid, number) }
    }

    public func waitUntilExit() {
        guard processIdentifier != 0 else { return }
        exited.wait()
        exited.signal()
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    public func run() throws {
        guard let path = executableURL?.path else { throw SpawnError(description: "no executable") }
        var opened: [Int32] = []
        defer { for fd in opened { close(fd) } }
        func descriptor(_ io: Any?, childReads: Bool) throws -> Int32 {
            switch io {
            case nil: return -1
            case let pipe as Pipe: return childReads ? pipe.fileHandleForReading.fileDescriptor : pipe.fileHandleForWriting.fileDescriptor
            case let handle as FileHandle:
                if handle === FileHandle.nullDevice {
                    let fd = open("/dev/null", childReads ? O_RDONLY : O_WRONLY)
                    guard fd >= 0 else { throw SpawnError(description: "cannot open /dev/null (errno \(errno))") }
                    opened.append(fd)
                    return fd
                }
                return handle.fileDescriptor
            default:
                throw SpawnError(description: "standard I/O must be a FileHandle or a Pipe")
            }
        }
        let input = try descriptor(standardInput, childReads: true)
        let output = try descriptor(standardOutput, childReads: false)
        let error = try descriptor(standardError, childReads: false)

        let argv = [path] + (arguments ?? [])
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv = env.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var spawned: pid_t = 0
        let rc = cshim_posix_spawn(&spawned, path, &cArgs, &cEnv, currentDirectoryURL?.path, input, output, error)
        let pid = spawned
        guard rc == 0 else { throw SpawnError(description: "posix_spawn \(path): \(String(cString: strerror(rc)))") }
        state.withLock { $0.pid = pid }
        // The child holds its ends of our pipes now; holding them too would hide its EOF.
        if let pipe = standardInput as? Pipe { try? pipe.fileHandleForReading.close() }
        for io in [standardOutput, standardError] {
            if let pipe = io as? Pipe { try? pipe.fileHandleForWriting.close() }
        }
        let thread = Thread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let signalled = (status & 0x7F) != 0 && (status & 0x7F) != 0x7F
            state.withLock { s in
                s.status = signalled ? status & 0x7F : (status >> 8) & 0xFF
                s.reason = signalled ? .uncaughtSignal : .exit
            }
            exited.signal()
            terminationHandler?(self)
        }
        thread.name = "test-process-reaper"
        thread.start()
    }
}
