// PausePolicy: what a driver does when its run must wait for approvals. A server keeps waiting
// (decisions arrive from any surface and the run continues by itself); an interactive or
// scripted client wants the run handed back so it can ask a human or print the approval ids.

/// How `drive` handles a run that waits for approvals.
public enum PausePolicy: Sendable, Hashable {
    /// Stay with the run, noticing decisions (in-process at once, from other processes at the
    /// next tick), until it ends or the process stops.
    case waitForDecisions
    /// Return `.paused` with the pending approvals; drive the run again after deciding them.
    case returnWhenPaused
}
