#if canImport(Glibc)
import Glibc
#endif

/// What every section of the suite shares: the options, the located tools, the report, and the
/// one way a measurement is taken on this shared machine.
struct SuiteContext {
    var options: SuiteOptions
    var toolbox: Toolbox
    var report: SuiteReport

    var pinning: CPUPinning { options.pinning }

    /// Other processes' CPU above which a measurement counts as disturbed, in cores.
    static let disturbed = 0.3

    /// Runs `body` after waiting for a quiet machine and returns what it measured with the cores
    /// other processes used meanwhile (`servers`' CPU is not counted as other). A disturbed
    /// measurement is taken again up to `--retries` times and the least disturbed one is kept:
    /// on a shared machine that is the closest to what the server alone can do.
    func measured<T>(servers: [pid_t], _ body: () throws -> T) rethrows -> (T, background: Double) {
        var best: (T, background: Double)?
        for attempt in 0...options.retryCount {
            if options.quietSeconds > 0 { _ = BackgroundLoad.waitForQuiet(upTo: options.quietSeconds) }
            let load = BackgroundLoad(servers: servers)
            let value = try body()
            let background = load.otherCores()
            if best == nil || background < best!.background { best = (value, background) }
            if background < Self.disturbed { break }
            if attempt < options.retryCount {
                SuiteReport.progress("  disturbed (\(NumberFormat.fixed(background, 2)) cores used elsewhere); measuring again")
            }
        }
        return best!
    }
}
