import MCPClient
import Synchronization

/// A wait for a connection that another caller may be making. Callers that arrive while an
/// upstream is connecting share that one connection (two negotiations at once would leave one
/// session unclosed), but each waits on its own terms: no longer than its own timeout, and not
/// after its own task is cancelled. The connection itself goes on for whoever still wants it.
///
/// `Task.value` alone cannot do this: it ignores the waiter's cancellation, and a task group
/// racing it against a timer still waits for the `value` child before it returns.
enum SharedConnect {
    /// The client `connecting` produces, or `UpstreamError.timedOut` after `timeout` (nil: no
    /// timer of its own, for the caller whose timeout already bounds the connection), or
    /// `CancellationError` once the calling task is cancelled — whichever comes first.
    static func join(_ connecting: Task<MCPClient, any Error>, timeout: Duration?, server: String) async throws -> MCPClient {
        let waiter = Waiter()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<MCPClient, any Error>) in
                guard waiter.park(continuation) else { return }
                if let timeout {
                    waiter.setTimer(Task {
                        try? await Task.sleep(for: timeout)
                        guard !Task.isCancelled else { return }
                        waiter.finish(.failure(UpstreamError.timedOut(server: server, after: timeout)))
                    })
                }
                Task { waiter.finish(await connecting.result) }
            }
        } onCancel: {
            waiter.finish(.failure(CancellationError()))
        }
    }

    /// Resumes the continuation exactly once, whatever finishes first; a cancellation that
    /// arrives before the continuation is parked resumes it as soon as it is.
    private final class Waiter: Sendable {
        private enum Phase {
            case empty
            case parked(CheckedContinuation<MCPClient, any Error>)
            case done(Result<MCPClient, any Error>?)
        }
        private let phase = Mutex(Phase.empty)
        /// The timeout's sleeping task, cancelled as soon as the wait ends in any way.
        private let timer = Mutex<Task<Void, Never>?>(nil)

        func setTimer(_ task: Task<Void, Never>) {
            let ended = phase.withLock { phase -> Bool in
                if case .done = phase { return true }
                timer.withLock { $0 = task }
                return false
            }
            if ended { task.cancel() }
        }

        /// Parks `continuation`; false when the wait already ended (it was resumed here).
        func park(_ continuation: CheckedContinuation<MCPClient, any Error>) -> Bool {
            let early: Result<MCPClient, any Error>?? = phase.withLock { phase in
                if case .done(let result) = phase { return .some(result) }
                phase = .parked(continuation)
                return .none
            }
            guard let early else { return true }
            continuation.resume(with: early ?? .failure(CancellationError()))
            return false
        }

        func finish(_ result: Result<MCPClient, any Error>) {
            let parked: CheckedContinuation<MCPClient, any Error>? = phase.withLock { phase in
                switch phase {
                case .empty:
                    phase = .done(result)
                    return nil
                case .parked(let continuation):
                    phase = .done(nil)
                    return continuation
                case .done:
                    return nil
                }
            }
            parked?.resume(with: result)
            if parked != nil { timer.withLock { $0.take() }?.cancel() }
        }
    }
}
