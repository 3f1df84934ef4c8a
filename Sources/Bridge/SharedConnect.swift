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
    /// The client `connecting` produces, or `UpstreamError.timedOut` after `timeout`, or
    /// `CancellationError` once the calling task is cancelled — whichever comes first.
    static func join(_ connecting: Task<MCPClient, any Error>, timeout: Duration, server: String) async throws -> MCPClient {
        let waiter = Waiter()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<MCPClient, any Error>) in
                guard waiter.park(continuation) else { return }
                let timer = Task {
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled else { return }
                    waiter.finish(.failure(UpstreamError.timedOut(server: server, after: timeout)))
                }
                Task {
                    let result = await connecting.result
                    timer.cancel()
                    waiter.finish(result)
                }
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
        }
    }
}
