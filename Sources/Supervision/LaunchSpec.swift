/// What to run: a command, its arguments, its whole environment and its working directory.
///
/// Why explicit: a supervised upstream server must see exactly the environment we chose (no
/// secrets of ours leak into it by inheritance), so `environment` is the complete set of
/// variables, typically built with `ChildProcess.minimalEnvironment(from:extra:)`.
public struct LaunchSpec: Sendable, Hashable {
    /// How the child's stderr is handled.
    public enum StderrHandling: Sendable, Hashable {
        /// Drained continuously into a bounded ring buffer (`ChildProcess.stderrTail`), so a
        /// chatty child never blocks on a full pipe. The default.
        case capture
        /// Left to the caller as `ChildProcess.stderrFD`, who must keep reading it.
        case pipe
    }

    /// An absolute path, a path relative to the child's working directory (contains a `/`), or a
    /// bare name searched in `PATH` (the child's `PATH` from `environment`, else ours).
    public var command: String
    /// Arguments after `argv[0]` (which is `command` as given).
    public var arguments: [String]
    /// The child's complete environment.
    public var environment: [String: String]
    /// The child's working directory; nil = ours.
    public var workingDirectory: String?
    /// See `StderrHandling`.
    public var stderr: StderrHandling
    /// Values that must never appear in what is reported about the child (the secrets put into
    /// its environment): a child may print its configuration to stderr when it fails, and the
    /// summary of that stderr ends up in health reasons, logs and tool errors.
    public var redactions: [String]

    public init(
        command: String, arguments: [String] = [], environment: [String: String] = [:],
        workingDirectory: String? = nil, stderr: StderrHandling = .capture, redactions: [String] = []
    ) {
        self.command = command
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.stderr = stderr
        self.redactions = redactions
    }
}
