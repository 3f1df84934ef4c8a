// ProgressDeadline: a call's deadline that resets whenever the upstream reports progress, under
// an absolute ceiling. A long tool that keeps saying "step 40 of 100" is alive and may run for
// minutes; one that goes quiet for longer than its timeout is not. The idle timer lives on the
// shared DeadlineTicker (one timer thread, no sleeping task per call), and expiry cancels the
// call, which sends `notifications/cancelled` upstream. While the upstream waits for our caller
// (a question it asked, forwarded to a person) the timer stops: the upstream is not the one
// that is slow, and a person may take longer than any tool's timeout. The ceiling still holds.

import JSON
import JSONRPC
import MCPClient
import Synchronization

/// Runs upstream calls under an idle deadline that progress resets.
enum ProgressDeadline {
    private final class Watch: Sendable {
        /// The idle timer, and the questions to our caller outstanding: while any is, no timer
        /// runs. One lock, so a progress report and a question arriving together cannot leave a
        /// timer armed while the question waits.
        struct Timing {
            var timer: UInt64?
            var waiting = 0
        }
        let timing = Mutex(Timing())
        let expired = Atomic<Bool>(false)
        let cancelCall = Mutex<(@Sendable () -> Void)?>(nil)

        /// Marks the call expired and cancels it.
        func expire() {
            expired.store(true, ordering: .releasing)
            cancelCall.withLock { $0 }?()
        }
    }

    /// Runs `body` (which receives the progress callback to hand the client, and `input` wrapped
    /// so that the idle timer stops while a question waits for our caller); throws
    /// `UpstreamError.timedOut` when no progress arrived for `idle`. `body` itself gets `ceiling`
    /// as the absolute limit of the call.
    static func run<T: Sendable>(
        server: String, idle: Duration, ceiling: Duration,
        progress: (@Sendable (MCPProgress) -> Void)?, input: InputRouter.Sink? = nil,
        _ body: @escaping @Sendable (_ ceiling: Duration, _ progress: @escaping @Sendable (MCPProgress) -> Void, _ input: InputRouter.Sink?) async throws -> T
    ) async throws -> T {
        let watch = Watch()
        let ticker = DeadlineTicker.shared
        /// Arms a fresh timer (cancelling the one before) unless a question is waiting.
        @Sendable func rearm() {
            let previous = watch.timing.withLock { timing -> UInt64? in
                guard timing.waiting == 0 else { return nil }
                defer { timing.timer = ticker.schedule(after: idle) { watch.expire() } }
                return timing.timer
            }
            if let previous { ticker.cancel(previous) }
        }
        var held: InputRouter.Sink?
        if let ask = input {
            held = { @Sendable (request: MCPInputRequest) async throws -> JSONValue? in
                let stopped = watch.timing.withLock { timing -> UInt64? in
                    timing.waiting += 1
                    defer { timing.timer = nil }
                    return timing.timer
                }
                if let stopped { ticker.cancel(stopped) }
                defer {
                    let last = watch.timing.withLock { timing -> Bool in
                        timing.waiting -= 1
                        return timing.waiting == 0
                    }
                    if last { rearm() }
                }
                return try await ask(request)
            }
        }
        let wrapped = held
        let call = Task { () async throws -> T in
            // The ceiling is absolute even below the idle deadline: nothing carries a call past it.
            try await body(ceiling, { update in
                rearm()
                progress?(update)
            }, wrapped)
        }
        watch.cancelCall.withLock { $0 = { call.cancel() } }
        rearm()
        defer { if let timer = watch.timing.withLock({ $0.timer }) { ticker.cancel(timer) } }
        do {
            return try await withTaskCancellationHandler { try await call.value } onCancel: { call.cancel() }
        } catch {
            if watch.expired.load(ordering: .acquiring) { throw UpstreamError.timedOut(server: server, after: idle) }
            throw error
        }
    }
}
