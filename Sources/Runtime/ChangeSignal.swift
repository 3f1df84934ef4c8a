// ChangeSignal: "something may have changed, look again" for tasks that wait on the database —
// a driver waiting for approval decisions, a reader following a run's events. It carries no
// data: waiters re-read the database, so a wake-up can never be lost or misread. A waiter passes
// the generation it saw before reading, so a change that lands between its read and its wait
// wakes it at once. Waiting ends on cancellation too.

import Synchronization

/// A generation counter with waiters.
final class ChangeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    /// The current generation; read it before looking at the database.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Whether anyone is waiting (the ticker only fires signals somebody waits on).
    var hasWaiters: Bool { state.withLock { !$0.waiters.isEmpty } }

    /// Bumps the generation and wakes every waiter.
    func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation &+= 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the generation differs from `seen`, or when the task is cancelled.
    func wait(beyond seen: UInt64) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.generation != seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
