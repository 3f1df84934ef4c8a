import JSONRPC
import Synchronization

/// A one-shot race: the first `resolve` wins and wakes the waiter.
///
/// An MCP HTTP response is JSON when the request finishes quietly and SSE when it emits something
/// first (progress, a log, a server→client request) or runs long; this decides which came first.
final class Decision<Outcome: Sendable>: Sendable {
    private let state = Mutex<(outcome: Outcome?, waiter: CheckedContinuation<Outcome, Never>?)>((nil, nil))

    init() {}

    func resolve(_ outcome: Outcome) {
        let waiter = state.withLock { s -> CheckedContinuation<Outcome, Never>? in
            guard s.outcome == nil else { return nil }
            s.outcome = outcome
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: outcome)
    }

    func wait() async -> Outcome {
        await withCheckedContinuation { c in
            let ready = state.withLock { s -> Outcome? in
                if let o = s.outcome { return o }
                s.waiter = c
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }
}

enum ExchangeOutcome: Sendable { case finished, emitted, slow, disconnected }

extension Decision where Outcome == ExchangeOutcome {
    /// Waits for the first of: the work finishing, the first event, `slowAfter` passing, or the
    /// client disconnecting (our task cancelled, which also runs `onDisconnect`).
    func firstOutcome(slowAfter: Duration, ticker: DeadlineTicker, onDisconnect: @escaping @Sendable () -> Void = {}) async -> ExchangeOutcome {
        let timer = ticker.schedule(after: slowAfter) { self.resolve(.slow) }
        defer { ticker.cancel(timer) }
        return await withTaskCancellationHandler {
            await wait()
        } onCancel: {
            onDisconnect()
            self.resolve(.disconnected)
        }
    }
}
