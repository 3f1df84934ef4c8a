#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
///
/// Why a separate type: the supervisor, health messages and the MCP layer all need the same
/// reading of a wait status, and the raw `int` needs C macros Swift cannot import (CShim decodes
/// it).
public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
    /// The process called `exit` (or returned from `main`) with this code.
    case exited(Int32)
    /// The process was killed by this signal.
    case signaled(Int32)
    /// The status is not known: the process was reaped by someone else in this process (another
    /// `waitpid(-1)` caller, or `SIGCHLD` set to `SIG_IGN`).
    case unknown

    /// True for `exit(0)`.
    public var isSuccess: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code): return "exit code \(code)"
        case .signaled(let signal): return "signal \(signal) (\(Self.signalName(signal)))"
        case .unknown: return "unknown status (reaped elsewhere)"
        }
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGHUP: return "SIGHUP"
        case SIGINT: return "SIGINT"
        case SIGQUIT: return "SIGQUIT"
        case SIGILL: return "SIGILL"
        case SIGABRT: return "SIGABRT"
        case SIGBUS: return "SIGBUS"
        case SIGFPE: return "SIGFPE"
        case SIGKILL: return "SIGKILL"
        case SIGSEGV: return "SIGSEGV"
        case SIGPIPE: return "SIGPIPE"
        case SIGALRM: return "SIGALRM"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(signal)"
        }
    }
}
