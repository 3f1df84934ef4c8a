/// Percentiles of one phase's per-request latencies.
///
/// Nearest rank on the sorted samples: p99.9 of 5,000 calls is the 5th slowest, a real observed
/// call rather than an interpolation between two.
struct Latencies {
    var p50: Double
    var p99: Double
    var p999: Double
    var max: Double

    /// From round-trip times in nanoseconds; figures are microseconds.
    init(nanoseconds: [UInt64]) {
        let sorted = nanoseconds.sorted()
        func rank(_ fraction: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = Int((fraction * Double(sorted.count - 1)).rounded())
            return Double(sorted[Swift.min(sorted.count - 1, index)]) / 1_000
        }
        p50 = rank(0.5)
        p99 = rank(0.99)
        p999 = rank(0.999)
        max = Double(sorted.last ?? 0) / 1_000
    }

    init(p50: Double, p99: Double, p999: Double, max: Double) {
        self.p50 = p50
        self.p99 = p99
        self.p999 = p999
        self.max = max
    }
}
