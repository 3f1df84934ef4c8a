/// One wrk measurement: `connections` keep-alive connections on one wrk thread for a fixed time,
/// each sending the next request as soon as the previous answer arrived.
struct WrkRun {
    var requests: Int
    var seconds: Double
    /// Connect, read, write and timeout errors plus non-2xx answers.
    var errors: Int
    var latencies: Latencies

    var perSecond: Double { Double(requests) / max(seconds, 1e-9) }

    /// Runs wrk from the calling thread (so it inherits the load generator's CPU).
    static func run(_ toolbox: Toolbox, port: UInt16, path: String, era: Era, session: String?, connections: Int, seconds: Int) throws -> WrkRun {
        let result = try Subprocess.capture(
            [toolbox.wrk, "-t1", "-c\(connections)", "-d\(max(1, seconds))s", "--timeout", "10s", "-s", toolbox.wrkScript,
             "http://127.0.0.1:\(port)\(path)"],
            environment: ["BENCH_ERA": era.rawValue, "BENCH_SESSION": session ?? "", "BENCH_PATH": path])
        guard let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix(WrkScript.marker) }) else {
            throw BenchmarkFailure("wrk printed no summary (exit \(result.status)):\n\(result.output)")
        }
        let values = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard values.count == 11 else { throw BenchmarkFailure("unexpected wrk summary: \(line)") }
        return WrkRun(
            requests: Int(values[0]), seconds: values[1] / 1e6, errors: Int(values[2...6].reduce(0, +)),
            latencies: Latencies(p50: values[7], p99: values[8], p999: values[9], max: values[10]))
    }
}
