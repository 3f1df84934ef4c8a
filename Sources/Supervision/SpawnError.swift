#if canImport(Glibc)
import Glibc
#endif

/// Why a child process could not be started.
///
/// Messages name the command and the failing step with the system's text for the errno
/// ("cannot execute /usr/bin/x: Permission denied"); they never include the environment, which
/// may hold credentials.
public enum SpawnError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A bare command name was not found in any directory of the search path.
    case notFound(command: String, searchPath: String)
    /// An argument, variable name or value cannot be passed to `execve` (NUL byte, `=` in a name).
    case invalidSpec(String)
    /// `execve` failed (`errno` in `code`).
    case cannotExecute(path: String, code: Int32)
    /// The working directory could not be entered.
    case cannotChangeDirectory(path: String, code: Int32)
    /// Another step of the spawn failed (pipes, fork, process group, parent-death signal).
    case system(step: String, code: Int32)

    public var description: String {
        switch self {
        case .notFound(let command, let searchPath):
            return "command not found: '\(command)' (searched PATH=\(searchPath))"
        case .invalidSpec(let why):
            return "invalid launch spec: \(why)"
        case .cannotExecute(let path, let code):
            return "cannot execute \(path): \(Self.text(code))"
        case .cannotChangeDirectory(let path, let code):
            return "cannot change directory to \(path): \(Self.text(code))"
        case .system(let step, let code):
            return "cannot start child process: \(step) failed: \(Self.text(code))"
        }
    }

    static func text(_ code: Int32) -> String {
        guard let message = strerror(code) else { return "errno \(code)" }
        return String(cString: message)
    }
}
