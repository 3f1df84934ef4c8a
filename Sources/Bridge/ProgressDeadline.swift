// ProgressDeadline: a call's deadline that resets whenever the upstream reports progress, under
// an absolute ceiling. A long tool that keeps saying "step 40 of 100" is alive and may run for
// minutes; one that goes quiet for longer than its timeout is not. The idle timer lives on the
// shared DeadlineTicker (one timer thread, no sleeping task per call), and expiry cancels the
// call, which sends `notifications/cancelled` upstream.

import JSONRPC
import MCPClient
import Synchronization

/// Runs upstream calls under an idle deadline that progress resets.
enum ProgressDeadline {
    private final class Watch: Sendable {
        let timer = Mutex<UInt64?>(nil)
        let expired = Atomic<Bool>(false)
        let cancelCall = Mutex<(@Sendable () -> Void)?>(nil)

        /// Marks the call expired and cancels it.
        func expire() {
            expired.store(true, ordering: .releasing)
            cancelCall.withLock { $0 }?()
        }
    }

    /// Runs `body` (which receives the progress callback to hand the client); throws
    /// `UpstreamError.timedOut` when no progress arrived for `idle`. `body` itself gets `ceiling`
    /// as the absolute limit of the call.
    static func run<T: Sendable>(
        server: String, idle: Duration, ceiling: Duration,
        progress: (@Sendable (MCPProgress) -> Void)?,
        _ body: @escaping @Sendable (_ ceiling: Duration, _ progress: @escaping @Sendable (MCPProgress) -> Void) async throws -> T
    ) async throws -> T {
        let watch = Watch()
        let ticker = DeadlineTicker.shared
        @Sendable func rearm() {
            let next = ticker.schedule(after: idle) { watch.expire() }
            if let previous = watch.timer.withLock({ timer -> UInt64? in defer { timer = next }; return timer }) {
                ticker.cancel(previous)
            }
        }
        let call = Task { () async throws -> T in
            // The ceiling is absolute even below the idle deadline: nothing carries a call past it.
            try await body(ceiling) { update in
                rearm()
                progress?(update)
            }
        }
        watch.cancelCall.withLock { $0 = { call.cancel() } }
        rearm()
        defer { if let timer = watch.timer.withLock({ $0 }) { ticker.cancel(timer) } }
        do {
            return try await withTaskCancellationHandler { try await call.value } onCancel: { call.cancel() }
        } catch {
            if watch.expired.load(ordering: .acquiring) { throw UpstreamError.timedOut(server: server, after: idle) }
            throw error
        }
    }
}
