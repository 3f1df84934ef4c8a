/// What one timed loop measured: the median cost of one operation over many batches.
///
/// The median of per-batch averages, rather than total time over total operations, keeps one
/// batch disturbed by another process on this shared 2-core machine from skewing the figure;
/// `spread` shows how far the fastest and slowest batches were from it.
struct Timing {
    /// Median nanoseconds per operation across batches.
    var nanosecondsPerOp: Double
    /// Fastest and slowest batch, nanoseconds per operation.
    var spread: ClosedRange<Double>
    /// Operations timed (after the warm-up).
    var operations: Int

    var microsecondsPerOp: Double { nanosecondsPerOp / 1_000 }
    var opsPerSecond: Double { 1e9 / nanosecondsPerOp }

    /// Throughput in MB/s (10^6 bytes) when each operation handles `bytes` bytes.
    func megabytesPerSecond(bytes: Int) -> Double { Double(bytes) * opsPerSecond / 1e6 }
}
