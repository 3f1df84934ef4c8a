import Foundation

extension Supervisor {
    /// The supervised child's health, as the supervisor sees it.
    ///
    /// Why these four: callers need to know whether to send requests (`up`), wait (`starting`,
    /// `degraded` while a restart is scheduled or after the caller reported trouble), or fail
    /// fast with a reason they can show (`down`: stopped, or a crash loop).
    public enum Health: Sendable, Hashable, CustomStringConvertible {
        /// A child is being spawned or its start hook is running.
        case starting
        /// The start hook succeeded at `since`.
        case up(since: Date)
        /// Running but reported unhealthy (`reportDegraded`), or exited and a restart is
        /// scheduled; `reason` says which, `since` when the trouble began (the first report or
        /// exit of an unbroken run of them).
        case degraded(reason: String, since: Date)
        /// Not running and no restart scheduled: not started yet, stopped, or a crash loop
        /// (until `reset()` or the policy's cooldown).
        case down(reason: String, since: Date)

        public var isUp: Bool {
            if case .up = self { return true }
            return false
        }

        public var isDown: Bool {
            if case .down = self { return true }
            return false
        }

        public var description: String {
            switch self {
            case .starting: return "starting"
            case .up(let since): return "up since \(since)"
            case .degraded(let reason, let since): return "degraded since \(since): \(reason)"
            case .down(let reason, let since): return "down since \(since): \(reason)"
            }
        }
    }
}
