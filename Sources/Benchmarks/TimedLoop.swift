#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one operation repeatedly for a fixed wall-clock time, after a warm-up, in timed batches.
///
/// Fixed time (not a fixed count) gives every row the same statistical weight whether an operation
/// takes 100 ns or 1 ms. The warm-up lets caches, the allocator and lazy runtime metadata settle;
/// the batch size is calibrated so that one batch lasts about `batchTarget` and the clock read is
/// noise, and the result is the median batch (see `Timing`).
struct TimedLoop {
    var seconds: Double
    var warmupSeconds: Double
    var batchTarget: Double = 0.005

    init(seconds: Double) {
        self.seconds = seconds
        self.warmupSeconds = min(0.5, max(0.05, seconds / 4))
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    func measure(_ body: () throws -> Void) rethrows -> Timing {
        // Warm up and calibrate: double the batch until one batch takes batchTarget.
        var batch = 1
        let warmupEnd = Self.now() + warmupSeconds
        while true {
            let t0 = Self.now()
            for _ in 0..<batch { try body() }
            let elapsed = Self.now() - t0
            if elapsed < batchTarget { batch *= 2 }
            if Self.now() >= warmupEnd && elapsed >= batchTarget / 2 { break }
        }
        var perOp: [Double] = []
        var operations = 0
        let end = Self.now() + seconds
        repeat {
            let t0 = Self.now()
            for _ in 0..<batch { try body() }
            let elapsed = Self.now() - t0
            perOp.append(elapsed * 1e9 / Double(batch))
            operations += batch
        } while Self.now() < end || perOp.count < 5
        perOp.sort()
        return Timing(nanosecondsPerOp: perOp[perOp.count / 2], spread: perOp[0]...perOp[perOp.count - 1], operations: operations)
    }
}
