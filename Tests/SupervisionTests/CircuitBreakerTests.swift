import Supervision
import Synchronization
import Testing

/// A clock that moves only when told to.
final class ManualClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)

    func now() -> ContinuousClock.Instant { instant.withLock { $0 } }
    func advance(_ duration: Duration) { instant.withLock { $0 = $0 + duration } }
}

@Suite("CircuitBreaker")
struct CircuitBreakerTests {
    let clock = ManualClock()

    func breaker(threshold: Int = 3, cooldown: Duration = .seconds(10)) -> CircuitBreaker {
        let clock = clock
        return CircuitBreaker(failureThreshold: threshold, cooldown: cooldown, now: { clock.now() })
    }

    @Test("closed: calls flow and failures below the threshold keep it closed")
    func closedBelowThreshold() {
        let b = breaker()
        #expect(b.currentState == .closed)
        b.recordFailure()
        b.recordFailure()
        #expect(b.consecutiveFailures == 2)
        #expect(b.currentState == .closed)
        #expect(b.allowRequest())
        #expect(b.retryAfter == nil)
    }

    @Test("a success resets the consecutive-failure count")
    func successResetsCount() {
        let b = breaker()
        b.recordFailure()
        b.recordFailure()
        b.recordSuccess()
        b.recordFailure()
        b.recordFailure()
        #expect(b.currentState == .closed)
        #expect(b.consecutiveFailures == 2)
    }

    @Test("N consecutive failures open it; open refuses calls until the cooldown passes")
    func opensAtThreshold() {
        let b = breaker()
        for _ in 0..<3 { b.recordFailure() }
        #expect(b.currentState == .open)
        #expect(!b.allowRequest())
        #expect(b.retryAfter == .seconds(10))
        clock.advance(.seconds(4))
        #expect(!b.allowRequest())
        #expect(b.retryAfter == .seconds(6))
        clock.advance(.seconds(6))
        #expect(b.currentState == .halfOpen)
        #expect(b.retryAfter == nil)
    }

    @Test("half-open lets exactly one probe through; its success closes the circuit")
    func probeSuccessCloses() {
        let b = breaker()
        for _ in 0..<3 { b.recordFailure() }
        clock.advance(.seconds(10))
        #expect(b.allowRequest())  // the probe
        #expect(b.currentState == .halfOpen)
        #expect(!b.allowRequest())  // one probe at a time
        b.recordSuccess()
        #expect(b.currentState == .closed)
        #expect(b.consecutiveFailures == 0)
        #expect(b.allowRequest())
    }

    @Test("a failed probe opens the circuit for a fresh cooldown")
    func probeFailureReopens() {
        let b = breaker()
        for _ in 0..<3 { b.recordFailure() }
        clock.advance(.seconds(10))
        #expect(b.allowRequest())
        clock.advance(.seconds(3))
        b.recordFailure()
        #expect(b.currentState == .open)
        #expect(b.retryAfter == .seconds(10))
        clock.advance(.seconds(9))
        #expect(!b.allowRequest())
        clock.advance(.seconds(1))
        #expect(b.allowRequest())
    }

    @Test("a probe that never reports back frees its slot after another cooldown")
    func lostProbe() {
        let b = breaker()
        for _ in 0..<3 { b.recordFailure() }
        clock.advance(.seconds(10))
        #expect(b.allowRequest())
        clock.advance(.seconds(9))
        #expect(!b.allowRequest())
        clock.advance(.seconds(1))
        #expect(b.allowRequest())
    }

    @Test("late results while open neither close it nor extend the cooldown")
    func lateResultsWhileOpen() {
        let b = breaker()
        for _ in 0..<3 { b.recordFailure() }
        clock.advance(.seconds(5))
        b.recordSuccess()
        b.recordFailure()
        #expect(b.currentState == .open)
        #expect(b.retryAfter == .seconds(5))
    }

    @Test("reset closes the circuit")
    func reset() {
        let b = breaker(threshold: 1)
        b.recordFailure()
        #expect(b.currentState == .open)
        b.reset()
        #expect(b.currentState == .closed)
        #expect(b.allowRequest())
    }
}
