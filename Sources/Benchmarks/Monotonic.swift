#if canImport(Glibc)
import Glibc
#endif

/// The one clock every suite latency and rate is read from: CLOCK_MONOTONIC in nanoseconds, so
/// a wall-clock step during a run cannot bend a figure.
enum Monotonic {
    static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    static func seconds() -> Double { Double(nanoseconds()) / 1e9 }
}
