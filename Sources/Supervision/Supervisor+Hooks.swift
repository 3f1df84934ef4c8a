extension Supervisor {
    /// What the supervisor tells `onExit` about a child that exited unexpectedly (or whose start
    /// failed). Requested stops are not reported.
    public struct ExitReport: Sendable {
        public var pid: Int32
        public var status: ExitStatus
        /// How long the child ran.
        public var uptime: Duration
        /// "exited unexpectedly (exit code 3)", "exited during start (…)", "start failed: …".
        public var reason: String
        /// `ChildProcess.stderrSummary()` of the child (may contain anything it printed).
        public var stderrSummary: String
        /// The restart that follows: its number among consecutive failures and its delay; nil
        /// when a crash loop stopped automatic restarts.
        public var restartAttempt: Int?
        public var nextRestart: Duration?
    }

    /// The supervisor's callbacks into the layer above (which knows the protocol the child
    /// speaks).
    public struct Hooks: Sendable {
        /// Runs for each started child, before it is reported `up`: initialize the session,
        /// discover tools. Throwing marks the start as failed: the child is terminated and the
        /// failure counts towards the backoff and the crash loop. Cancelled if the child exits
        /// or the supervisor stops meanwhile.
        public var onStart: @Sendable (ChildProcess) async throws -> Void
        /// Runs after an unexpected exit, before the restart is scheduled. Keep it short: the
        /// supervisor waits for it (so it must not await `stop()`, which would wait for it in
        /// turn). Not called for requested stops, nor for spawns that failed before a child ran
        /// (those show in `health`).
        public var onExit: @Sendable (ExitReport) async -> Void

        public init(
            onStart: @escaping @Sendable (ChildProcess) async throws -> Void = { _ in },
            onExit: @escaping @Sendable (ExitReport) async -> Void = { _ in }
        ) {
            self.onStart = onStart
            self.onExit = onExit
        }
    }
}
