/// The restart bookkeeping of one supervisor: consecutive failures for the backoff and recent
/// exit times for crash-loop detection.
///
/// Why separate from `Supervisor`: it is pure (instants and random numbers come in as
/// arguments), so every rule is unit-tested without processes or clocks.
struct RestartTracker: Sendable {
    enum Decision: Sendable, Hashable {
        /// Start again after `delay`; `attempt` counts consecutive failures (1 = first).
        case restart(attempt: Int, delay: Duration)
        /// `exits` failures within the policy window: stop restarting.
        case crashLoop(exits: Int)
    }

    let policy: RestartPolicy
    private(set) var consecutiveFailures = 0
    private(set) var recentFailures: [ContinuousClock.Instant] = []
    /// Failures in a row of children that never became ready (nil `uptime`).
    private(set) var failedStartsInARow = 0

    init(policy: RestartPolicy) {
        self.policy = policy
    }

    /// Records one failure (an unexpected exit, a failed spawn or a failed start hook) at `now`.
    /// `uptime` is how long the child ran once ready (nil when it never became ready — a failed
    /// spawn, or a start that never finished, however long that took).
    ///
    /// A crash loop is `crashLoopExits` failures within the window, or that many starts in a row
    /// that never became ready at any pace: a server that hangs in its handshake until the start
    /// times out fails slower than the window counts, but it is just as broken.
    mutating func recordFailure(at now: ContinuousClock.Instant, uptime: Duration?, randomUnit: Double) -> Decision {
        if let uptime, uptime >= policy.stableAfter { consecutiveFailures = 0 }
        consecutiveFailures += 1
        failedStartsInARow = uptime == nil ? failedStartsInARow + 1 : 0
        recentFailures.append(now)
        recentFailures.removeAll { now - $0 > policy.crashLoopWindow }
        if recentFailures.count >= policy.crashLoopExits {
            return .crashLoop(exits: recentFailures.count)
        }
        if failedStartsInARow >= policy.crashLoopExits {
            return .crashLoop(exits: failedStartsInARow)
        }
        return .restart(attempt: consecutiveFailures, delay: policy.delay(attempt: consecutiveFailures, randomUnit: randomUnit))
    }

    /// Forgets every failure (after `reset()`, a cooldown or a stop).
    mutating func reset() {
        consecutiveFailures = 0
        failedStartsInARow = 0
        recentFailures.removeAll()
    }
}
