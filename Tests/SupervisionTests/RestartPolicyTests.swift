@testable import Supervision
import Testing

@Suite("RestartPolicy and RestartTracker")
struct RestartPolicyTests {
    @Test("delays start at 100 ms, double, and stop at 30 s by default")
    func defaultBackoff() {
        let policy = RestartPolicy(jitter: 0)
        let delays = (1...12).map { policy.delay(attempt: $0, randomUnit: 0.5) }
        #expect(delays.prefix(5) == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600)])
        #expect(delays.last == .seconds(30))
        #expect(zip(delays, delays.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(policy.delay(attempt: 10_000, randomUnit: 0.5) == .seconds(30))
    }

    @Test("jitter spreads a delay by at most the configured fraction and never exceeds the cap")
    func jitter() {
        let policy = RestartPolicy(initialDelay: .seconds(1), maxDelay: .seconds(2), jitter: 0.25)
        #expect(policy.delay(attempt: 1, randomUnit: 0) == .milliseconds(750))
        #expect(policy.delay(attempt: 1, randomUnit: 0.5) == .seconds(1))
        #expect(policy.delay(attempt: 1, randomUnit: 0.999_999_999) == .milliseconds(1250))
        #expect(policy.delay(attempt: 5, randomUnit: 0.999_999_999) == .seconds(2))
        #expect(policy.delay(attempt: 5, randomUnit: 0) == .milliseconds(1500))
    }

    @Test("five failures within the window are a crash loop; earlier ones fall out of it")
    func crashLoopWindow() {
        let policy = RestartPolicy(jitter: 0, crashLoopExits: 5, crashLoopWindow: .seconds(60))
        var tracker = RestartTracker(policy: policy)
        let t0 = ContinuousClock.now
        var decisions: [RestartTracker.Decision] = []
        for i in 0..<4 { decisions.append(tracker.recordFailure(at: t0 + .seconds(i * 10), uptime: .seconds(1), randomUnit: 0.5)) }
        #expect(decisions == [
            .restart(attempt: 1, delay: .milliseconds(100)), .restart(attempt: 2, delay: .milliseconds(200)),
            .restart(attempt: 3, delay: .milliseconds(400)), .restart(attempt: 4, delay: .milliseconds(800)),
        ])
        // The first failure (t0) is 61 s old at t0+61: four in the window, no loop yet.
        #expect(tracker.recordFailure(at: t0 + .seconds(61), uptime: .seconds(1), randomUnit: 0.5)
            == .restart(attempt: 5, delay: .milliseconds(1600)))
        #expect(tracker.recordFailure(at: t0 + .seconds(62), uptime: nil, randomUnit: 0.5) == .crashLoop(exits: 5))
        tracker.reset()
        #expect(tracker.recordFailure(at: t0 + .seconds(63), uptime: nil, randomUnit: 0.5)
            == .restart(attempt: 1, delay: .milliseconds(100)))
    }

    @Test("starts that never became ready are a crash loop however far apart; a ready run ends the streak")
    func failedStartsInARow() {
        let policy = RestartPolicy(jitter: 0, crashLoopExits: 3, crashLoopWindow: .seconds(60))
        var tracker = RestartTracker(policy: policy)
        let t0 = ContinuousClock.now
        #expect(tracker.recordFailure(at: t0, uptime: nil, randomUnit: 0.5) == .restart(attempt: 1, delay: .milliseconds(100)))
        #expect(tracker.recordFailure(at: t0 + .seconds(100), uptime: nil, randomUnit: 0.5) == .restart(attempt: 2, delay: .milliseconds(200)))
        // A child that became ready (and ran briefly) breaks the streak but not the backoff.
        #expect(tracker.recordFailure(at: t0 + .seconds(200), uptime: .seconds(1), randomUnit: 0.5) == .restart(attempt: 3, delay: .milliseconds(400)))
        #expect(tracker.recordFailure(at: t0 + .seconds(300), uptime: nil, randomUnit: 0.5) == .restart(attempt: 4, delay: .milliseconds(800)))
        #expect(tracker.recordFailure(at: t0 + .seconds(400), uptime: nil, randomUnit: 0.5) == .restart(attempt: 5, delay: .milliseconds(1600)))
        #expect(tracker.recordFailure(at: t0 + .seconds(500), uptime: nil, randomUnit: 0.5) == .crashLoop(exits: 3))
    }

    @Test("a child that stayed up for stableAfter restarts the backoff")
    func stableRunResetsBackoff() {
        let policy = RestartPolicy(jitter: 0, crashLoopExits: 100, stableAfter: .seconds(30))
        var tracker = RestartTracker(policy: policy)
        let t0 = ContinuousClock.now
        _ = tracker.recordFailure(at: t0, uptime: .seconds(1), randomUnit: 0.5)
        _ = tracker.recordFailure(at: t0 + .seconds(1), uptime: .seconds(1), randomUnit: 0.5)
        #expect(tracker.recordFailure(at: t0 + .seconds(40), uptime: .seconds(35), randomUnit: 0.5)
            == .restart(attempt: 1, delay: .milliseconds(100)))
    }

    /// Found by the soak (the upstream SIGKILLed every 20 s): with a 30 s `stableAfter`, a server
    /// that served for 20 s between deaths counted as failing to start, its restart delay grew
    /// to 25–30 s, and calls waited that long. With the defaults it restarts at once each time,
    /// and a server that dies within seconds of starting still backs off.
    @Test("with the defaults, a server that ran for 20 s between deaths restarts at the initial delay")
    func servingBetweenDeathsIsNotACrashLoop() {
        var tracker = RestartTracker(policy: RestartPolicy(jitter: 0))
        let t0 = ContinuousClock.now
        for kill in 0..<20 {
            #expect(tracker.recordFailure(at: t0 + .seconds(20 * kill), uptime: .seconds(20), randomUnit: 0.5)
                == .restart(attempt: 1, delay: .milliseconds(100)))
        }
        var failing = RestartTracker(policy: RestartPolicy(jitter: 0))
        _ = failing.recordFailure(at: t0, uptime: .seconds(2), randomUnit: 0.5)
        #expect(failing.recordFailure(at: t0 + .seconds(3), uptime: .seconds(2), randomUnit: 0.5)
            == .restart(attempt: 2, delay: .milliseconds(200)))
    }

    @Test("durations read well in messages")
    func durationText() {
        #expect(Duration.milliseconds(250).shortText == "250 ms")
        #expect(Duration.milliseconds(1500).shortText == "1.5 s")
        #expect(Duration.seconds(60).shortText == "60 s")
    }
}
