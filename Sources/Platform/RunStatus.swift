// RunStatus: the life cycle of a run and the one table of which moves are legal, so the store,
// the runtime and crash recovery all agree:
//
//   queued ──▶ running ◀──▶ paused          (paused: waiting for an approval)
//     │           │            │
//     └───────────┴────────────┴──▶ failed, cancelled
//                 └──────────────▶ completed
//
// completed, failed and cancelled are terminal: nothing leaves them.

/// Where a run is in its life cycle.
public enum RunStatus: String, Sendable, Hashable, CaseIterable {
    case queued, running, paused, completed, failed, cancelled

    /// The states a run is still under way in (what crash recovery looks for).
    public static let unfinished: [RunStatus] = [.queued, .running, .paused]

    /// Whether the run has ended.
    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .cancelled: true
        case .queued, .running, .paused: false
        }
    }

    /// Whether a run in this state may move to `next` (never to the same state).
    public func canMove(to next: RunStatus) -> Bool {
        switch (self, next) {
        case (.queued, .running), (.queued, .failed), (.queued, .cancelled): true
        case (.running, .paused), (.running, .completed), (.running, .failed), (.running, .cancelled): true
        case (.paused, .running), (.paused, .failed), (.paused, .cancelled): true
        default: false
        }
    }
}
