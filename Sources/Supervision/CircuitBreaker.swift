import Synchronization

/// A per-upstream circuit breaker: after `failureThreshold` consecutive failures calls are
/// refused for `cooldown`, then one probe call is let through; its success closes the circuit,
/// its failure opens it for another cooldown.
///
/// Why: an upstream that times out or errors on every call should fail fast for its callers
/// (and get a rest) instead of tying up every request for the full timeout. Pure logic with an
/// injectable clock; the caller decides what counts as a failure (timeouts, transport errors —
/// usually not a tool's own `isError` result).
public final class CircuitBreaker: Sendable {
    public enum State: Sendable, Hashable {
        /// Calls flow; failures are counted.
        case closed
        /// Calls are refused until the cooldown has passed.
        case open
        /// The cooldown has passed: one probe call may go through.
        case halfOpen
    }

    private enum Internal {
        case closed(failures: Int)
        case open(since: ContinuousClock.Instant)
        /// `probeSince`: when the outstanding probe was let through.
        case halfOpen(probeSince: ContinuousClock.Instant)
    }

    public let failureThreshold: Int
    public let cooldown: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(Internal.closed(failures: 0))

    /// - Parameter now: the clock (tests inject a manual one).
    public init(
        failureThreshold: Int = 5, cooldown: Duration = .seconds(30),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.failureThreshold = max(1, failureThreshold)
        self.cooldown = cooldown
        self.now = now
    }

    /// The state as of now (an open circuit whose cooldown has passed reads as half-open).
    public var currentState: State {
        let t = now()
        return state.withLock { s in
            switch s {
            case .closed: return .closed
            case .open(let since): return t - since >= cooldown ? .halfOpen : .open
            case .halfOpen: return .halfOpen
            }
        }
    }

    /// Consecutive failures counted while closed (0 otherwise).
    public var consecutiveFailures: Int {
        state.withLock { s in
            if case .closed(let failures) = s { return failures }
            return 0
        }
    }

    /// How long until an open circuit lets a probe through; nil unless open.
    public var retryAfter: Duration? {
        let t = now()
        return state.withLock { s in
            guard case .open(let since) = s else { return nil }
            let left = cooldown - (t - since)
            return left > .zero ? left : nil
        }
    }

    /// Asks to make a call. True when closed; when open, false until the cooldown has passed,
    /// then true once (the probe). While a probe is out further calls are refused; a probe that
    /// never reports back frees its slot after another cooldown.
    public func allowRequest() -> Bool {
        let t = now()
        return state.withLock { s in
            switch s {
            case .closed:
                return true
            case .open(let since):
                guard t - since >= cooldown else { return false }
                s = .halfOpen(probeSince: t)
                return true
            case .halfOpen(let probeSince):
                guard t - probeSince >= cooldown else { return false }
                s = .halfOpen(probeSince: t)
                return true
            }
        }
    }

    /// A call succeeded: closes the circuit (a half-open probe succeeded) or clears the failure
    /// count. A late success while open is ignored.
    public func recordSuccess() {
        state.withLock { s in
            switch s {
            case .closed, .halfOpen: s = .closed(failures: 0)
            case .open: break
            }
        }
    }

    /// A call failed: counts towards the threshold when closed, reopens a half-open circuit. A
    /// late failure while open does not extend the cooldown.
    public func recordFailure() {
        let t = now()
        state.withLock { s in
            switch s {
            case .closed(let failures):
                s = failures + 1 >= failureThreshold ? .open(since: t) : .closed(failures: failures + 1)
            case .halfOpen:
                s = .open(since: t)
            case .open:
                break
            }
        }
    }

    /// Closes the circuit and forgets every failure.
    public func reset() {
        state.withLock { $0 = .closed(failures: 0) }
    }
}
