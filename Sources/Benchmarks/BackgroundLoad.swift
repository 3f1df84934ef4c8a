#if canImport(Glibc)
import Glibc
#endif

/// CPU used by processes other than the suite and its servers while a measurement ran.
///
/// The machine is shared (fuzzers, builds), so every figure carries the load it was measured
/// under: busy CPU time from /proc/stat minus the suite's own (this process and the load tools it
/// has reaped) and the measured servers' process trees, per second of wall time, in cores.
struct BackgroundLoad {
    private let servers: [pid_t]
    private let busy: Double
    private let own: Double
    private let serverCPU: Double
    private let started: Double

    init(servers: [pid_t] = []) {
        self.servers = servers
        busy = Self.machineBusySeconds()
        own = Self.ownSeconds()
        serverCPU = servers.reduce(0) { $0 + ProcessTree.cpuSeconds(of: $1) }
        started = Monotonic.seconds()
    }

    /// Cores used elsewhere since `init`.
    func otherCores() -> Double {
        let elapsed = max(1e-3, Monotonic.seconds() - started)
        let servers = self.servers.reduce(0) { $0 + ProcessTree.cpuSeconds(of: $1) } - serverCPU
        let other = (Self.machineBusySeconds() - busy) - (Self.ownSeconds() - own) - servers
        return max(0, other / elapsed)
    }

    /// Waits (in one-second windows, up to `seconds`) until other processes use less than
    /// `threshold` cores; returns the last window's load. Measuring anyway after the wait is
    /// deliberate: a busy machine is reported in the table, not hidden by skipping the row.
    static func waitForQuiet(upTo seconds: Double, threshold: Double = 0.25) -> Double {
        let deadline = Monotonic.seconds() + seconds
        while true {
            let window = BackgroundLoad()
            usleep(1_000_000)
            let load = window.otherCores()
            if load < threshold || Monotonic.seconds() >= deadline { return load }
        }
    }

    private static func machineBusySeconds() -> Double {
        guard let text = ProcessTree.read("/proc/stat"), let line = text.split(separator: "\n").first else { return 0 }
        let values = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard values.count >= 7 else { return 0 }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        // user, nice, system, (idle), (iowait), irq, softirq
        return (values[0] + values[1] + values[2] + values[5] + values[6]) / ticks
    }

    private static func ownSeconds() -> Double {
        var total = 0.0
        for who in [RUSAGE_SELF, RUSAGE_CHILDREN].map({ Int32($0.rawValue) }) {
            var usage = rusage()
            getrusage(who, &usage)
            total += Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
                + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        }
        return total
    }
}
