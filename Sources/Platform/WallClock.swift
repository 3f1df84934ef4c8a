// WallClock: the platform's source of "now" as integer Unix milliseconds (the form every
// timestamp column stores). Injectable so tests can move time forward to expire keys or to cross
// the last-used flush interval without sleeping.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A wall clock returning Unix time in milliseconds.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Int64

    /// A clock backed by `read` (tests pass a closure over a value they control).
    public init(_ read: @escaping @Sendable () -> Int64) {
        self.read = read
    }

    /// The current Unix time in milliseconds.
    public func nowMilliseconds() -> Int64 { read() }

    /// The system real-time clock (`clock_gettime(CLOCK_REALTIME)`).
    public static let system = WallClock {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
