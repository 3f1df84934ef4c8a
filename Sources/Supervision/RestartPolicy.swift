#if canImport(Glibc)
import Glibc
#endif

/// When a supervised child that exited unexpectedly is started again, and when to give up.
///
/// Why these defaults: the first retry is quick (100 ms) because most crashes of a stdio server
/// are one-off; each further consecutive failure doubles the wait up to 30 s so a broken server
/// costs little; jitter keeps many upstreams that failed together (a shared dependency went
/// away) from restarting in lockstep. Five exits within 60 s is a crash loop: the supervisor
/// stops trying (`.down`) until `reset()` or `downCooldown`, so a server that cannot start does
/// not burn CPU or flood logs. A child that stayed up for `stableAfter` (10 s) starts the backoff
/// over: it started and served, so its death is not a failure to start — with 30 s, a server
/// dying every 20 s under load saw its restart delay grow to 30 s and its callers wait that long.
public struct RestartPolicy: Sendable, Hashable {
    /// Delay before the first restart after a stable run.
    public var initialDelay: Duration
    /// Growth factor per consecutive failure (>= 1).
    public var multiplier: Double
    /// Upper bound of any delay, jitter included.
    public var maxDelay: Duration
    /// Relative jitter: a delay `d` becomes uniformly `d * (1 - jitter) ... d * (1 + jitter)`.
    public var jitter: Double
    /// This many exits within `crashLoopWindow` is a crash loop.
    public var crashLoopExits: Int
    public var crashLoopWindow: Duration
    /// After a crash loop, try again automatically after this long; nil = only on `reset()`.
    public var downCooldown: Duration?
    /// A child that ran at least this long before exiting resets the backoff to `initialDelay`.
    public var stableAfter: Duration

    public init(
        initialDelay: Duration = .milliseconds(100), multiplier: Double = 2, maxDelay: Duration = .seconds(30),
        jitter: Double = 0.1, crashLoopExits: Int = 5, crashLoopWindow: Duration = .seconds(60),
        downCooldown: Duration? = .seconds(300), stableAfter: Duration = .seconds(10)
    ) {
        self.initialDelay = initialDelay
        self.multiplier = max(1, multiplier)
        self.maxDelay = maxDelay
        self.jitter = min(max(0, jitter), 1)
        self.crashLoopExits = max(1, crashLoopExits)
        self.crashLoopWindow = crashLoopWindow
        self.downCooldown = downCooldown
        self.stableAfter = stableAfter
    }

    /// The delay before restart number `attempt` (1 = first after a stable run), given a uniform
    /// random number in 0..<1 (injected so tests are deterministic).
    public func delay(attempt: Int, randomUnit: Double) -> Duration {
        let cap = maxDelay.seconds
        let exponent = Double(max(0, attempt - 1))
        let base = min(initialDelay.seconds * pow(multiplier, exponent), cap)
        let spread = 1 + jitter * (2 * min(max(randomUnit, 0), 1) - 1)
        let seconds = min(max(0, base * spread), cap)
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}

extension Duration {
    /// This duration in (fractional) seconds.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }

    /// "250 ms", "1.5 s", "60 s": for health and log messages.
    public var shortText: String {
        let s = seconds
        if s < 1 { return "\(Int((s * 1000).rounded())) ms" }
        let tenths = (s * 10).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths)) s" : "\(tenths) s"
    }
}
