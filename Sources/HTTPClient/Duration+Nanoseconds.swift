/// Deadlines on the loop and in URLSession timers are monotonic nanoseconds (`cshim_monotonic_ns`);
/// this converts the public `Duration`s once, saturating instead of trapping on huge values.
extension Duration {
    /// Whole nanoseconds, saturating (negative durations count as zero).
    var nanoseconds: UInt64 {
        let (s, a) = components
        if s < 0 { return 0 }
        let seconds = UInt64(s)
        guard seconds < UInt64.max / 1_000_000_000 / 2 else { return UInt64.max / 2 }
        return seconds * 1_000_000_000 + UInt64(max(0, a / 1_000_000_000))
    }
}
