internal import CShim
import Dispatch
import Synchronization

/// One URLSession task's exchange and clocks.
///
/// Why: URLSession has no separate head, idle and overall timeouts (its one timer restarts on
/// every write and counts whole seconds), so the transport keeps the clocks itself and cancels
/// the task when one passes. Touched by the delegate queue (activity), the timer queue (checks)
/// and the caller (cancellation), hence the Mutex.
final class SessionTaskRecord: Sendable {
    let exchange: Exchange
    let task: TaskBox
    private let timeouts: HTTPClient.Timeouts
    private let startedAt: UInt64
    private let headStartedAt: UInt64
    private let state = Mutex(Clocks())
    private static let timerQueue = DispatchQueue(label: "http-client.urlsession-timers")

    private struct Clocks {
        var headReceived = false
        var lastActivity: UInt64 = 0
        var done = false
        /// Bumped by every `scheduleCheck`; a pending check with an older value stops.
        var timerGeneration: UInt64 = 0
    }

    init(exchange: Exchange, task: TaskBox, timeouts: HTTPClient.Timeouts, startedAt: UInt64) {
        self.exchange = exchange
        self.task = task
        self.timeouts = timeouts
        self.startedAt = startedAt
        headStartedAt = cshim_monotonic_ns()
    }

    /// The head arrived: the head clock stops and the idle clock starts (re-armed, since the
    /// idle deadline may come before the one the timer is waiting for).
    func headArrived() {
        let now = cshim_monotonic_ns()
        state.withLock {
            $0.headReceived = true
            $0.lastActivity = now
        }
        scheduleCheck()
    }

    func bytesArrived() {
        let now = cshim_monotonic_ns()
        state.withLock { $0.lastActivity = now }
    }

    /// Marks the task finished (its completion arrived); the clocks stop.
    func markDone() {
        state.withLock { $0.done = true }
    }

    var headReceived: Bool { state.withLock { $0.headReceived } }

    /// The earliest pending deadline, or nil when none is left to watch.
    private func nextDeadlineLocked(_ s: Clocks) -> UInt64? {
        if s.done { return nil }
        var next = UInt64.max
        if !s.headReceived { next = min(next, headStartedAt &+ timeouts.responseHead.nanoseconds) }
        if s.headReceived, let idle = timeouts.idle { next = min(next, s.lastActivity &+ idle.nanoseconds) }
        if let overall = timeouts.overall { next = min(next, startedAt &+ overall.nanoseconds) }
        return next == .max ? nil : next
    }

    /// The timeout that has passed at `now`, if any.
    private func expiredError(now: UInt64) -> HTTPClientError? {
        state.withLock { s -> HTTPClientError? in
            if s.done { return nil }
            if let overall = timeouts.overall, now >= startedAt &+ overall.nanoseconds { return .deadlineExceeded }
            if !s.headReceived, now >= headStartedAt &+ timeouts.responseHead.nanoseconds { return .responseHeadTimeout }
            if s.headReceived, let idle = timeouts.idle, now >= s.lastActivity &+ idle.nanoseconds { return .idleTimeout }
            return nil
        }
    }

    /// Checks the clocks at the earliest pending deadline, then re-arms while the task runs. A
    /// newer call supersedes older pending checks (they see a stale generation and stop).
    func scheduleCheck() {
        let (next, generation) = state.withLock { s -> (UInt64?, UInt64) in
            s.timerGeneration &+= 1
            return (nextDeadlineLocked(s), s.timerGeneration)
        }
        guard let next else { return }
        let now = cshim_monotonic_ns()
        let delay = next > now ? next - now : 0
        Self.timerQueue.asyncAfter(deadline: .now() + .nanoseconds(Int(min(delay, UInt64(Int.max))))) { [self] in
            guard state.withLock({ $0.timerGeneration == generation }) else { return }
            if let error = expiredError(now: cshim_monotonic_ns()) {
                expire(error)
            } else {
                scheduleCheck()
            }
        }
    }

    /// Fails the exchange with `error` and cancels the task (once).
    func expire(_ error: HTTPClientError) {
        let first = state.withLock { s -> Bool in
            defer { s.done = true }
            return !s.done
        }
        guard first else { return }
        exchange.fail(error)
        task.task.cancel()
    }
}
