// RuntimeTicker: the runtime's one periodic task. At each tick it (1) expires due approvals while
// some run here waits for a decision, (2) re-reads the status of every run this process drives
// and cancels the driver of one that ended elsewhere (`runs cancel` from another process, an MCP
// `cancel_run`), and (3) fires the signals somebody waits on, so waiters re-read the database and
// notice what other processes changed. In-process changes never wait for a tick (the runtime
// fires the signals and cancels the tasks directly); the tick is the slow path across processes.

import Platform
import Synchronization

/// The shared ticker of one `AgentRuntime`.
final class RuntimeTicker: Sendable {
    private struct Watched {
        let runID: String
        let workspaceID: String
        let cancel: @Sendable () -> Void
    }

    private struct State {
        var watched: [UInt64: Watched] = [:]
        var nextToken: UInt64 = 0
        var approvalWaiters = 0
        var task: Task<Void, Never>?
        var stopped = false
    }

    private let state = Mutex(State())
    private let interval: Duration
    private let runs: RunStore
    private let approvals: ApprovalStore
    private let signals: SessionSignals

    init(interval: Duration, runs: RunStore, approvals: ApprovalStore, signals: SessionSignals) {
        self.interval = interval
        self.runs = runs
        self.approvals = approvals
        self.signals = signals
    }

    /// Watches run `runID`: `cancel` is called once a tick finds it ended. Returns the token for
    /// `unwatch`.
    func watch(runID: String, workspaceID: String, cancel: @escaping @Sendable () -> Void) -> UInt64 {
        ensureRunning()
        return state.withLock { state in
            state.nextToken += 1
            state.watched[state.nextToken] = Watched(runID: runID, workspaceID: workspaceID, cancel: cancel)
            return state.nextToken
        }
    }

    func unwatch(_ token: UInt64) {
        _ = state.withLock { $0.watched.removeValue(forKey: token) }
    }

    /// Counts a run waiting for approvals (due approvals are expired only while one waits).
    func beginApprovalWait() {
        ensureRunning()
        state.withLock { $0.approvalWaiters += 1 }
    }

    func endApprovalWait() {
        state.withLock { $0.approvalWaiters -= 1 }
    }

    /// Starts the periodic task unless it runs (or the ticker was stopped).
    func ensureRunning() {
        state.withLock { state in
            guard state.task == nil, !state.stopped else { return }
            let interval = interval
            state.task = Task.detached { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    guard let self else { return }
                    self.tick()
                }
            }
        }
    }

    func stop() {
        state.withLock { state in
            state.stopped = true
            state.task?.cancel()
            state.task = nil
        }
    }

    /// One round of the slow path.
    func tick() {
        let (watched, expire) = state.withLock { (Array($0.watched.values), $0.approvalWaiters > 0) }
        if expire { _ = try? approvals.expireDue() }
        for entry in watched {
            let run = try? runs.get(caller: .local(.runtime, workspace: entry.workspaceID), id: entry.runID)
            if let run, run.status.isTerminal { entry.cancel() }
        }
        signals.fireWaited()
    }
}
