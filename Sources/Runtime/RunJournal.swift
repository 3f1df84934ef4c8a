// RunJournal: the one way a driver records progress. Each append commits one event (its own
// transaction, so the step is durable before the next begins), folds it into the in-memory
// transcript and wakes this process's readers of the session. Parallel tool executions append
// through it concurrently; the database numbers the events, the lock keeps the fold consistent.

import JSON
import Platform
import Synchronization

/// Event recording for one run.
final class RunJournal: Sendable {
    let runID: String
    let sessionID: String
    private let log: EventLog
    private let signals: SessionSignals
    private let state: Mutex<Transcript>
    /// Told about each committed event (see `AgentRuntime.observeCommittedEvents`).
    private let committed: @Sendable (String, String, EventType) -> Void

    init(runID: String, sessionID: String, log: EventLog, signals: SessionSignals, transcript: Transcript,
         committed: @escaping @Sendable (String, String, EventType) -> Void = { _, _, _ in }) {
        self.committed = committed
        self.runID = runID
        self.sessionID = sessionID
        self.log = log
        self.signals = signals
        self.state = Mutex(transcript)
    }

    /// Commits `type` with `data`, then applies it.
    func append(_ type: EventType, _ data: JSONValue) throws {
        try log.append(sessionID: sessionID, runID: runID, type: type, data: data)
        try state.withLock { try $0.apply(type, data) }
        signals.fire(sessionID)
        committed(runID, sessionID, type)
    }

    /// Wakes readers after a store appended events of its own (run and approval changes).
    func announce() { signals.fire(sessionID) }

    var transcript: Transcript { state.withLock { $0 } }
}
