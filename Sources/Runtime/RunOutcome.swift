// RunOutcome: where a run stands when a driver lets go of it.

import Platform

/// The result of driving a run.
public enum RunOutcome: Sendable {
    case completed(Run)
    case failed(Run)
    case cancelled(Run)
    /// Waiting for these approvals (only with `PausePolicy.returnWhenPaused`); the run stays
    /// paused (or, for a run waiting on a paused sub-agent, running) until driven again.
    case paused(Run, approvals: [Approval])
    /// This process stopped driving an unfinished run (it is shutting down); a later `recover`
    /// resumes it from its last committed step.
    case interrupted(Run)
    /// Another driver (another process, or another task here) holds the run's lease.
    case busy(Run)

    /// The run as last read.
    public var run: Run {
        switch self {
        case .completed(let run), .failed(let run), .cancelled(let run), .paused(let run, _), .interrupted(let run), .busy(let run):
            run
        }
    }

    /// The outcome a terminal or unfinished run already has, without driving it.
    static func settled(_ run: Run) -> RunOutcome {
        switch run.status {
        case .completed: .completed(run)
        case .failed: .failed(run)
        case .cancelled: .cancelled(run)
        case .queued, .running, .paused: .interrupted(run)
        }
    }
}
