import Foundation
import JSON

/// The machine's physical limits, measured beside every server: a raw pipe round trip between
/// two C processes (the floor under any stdio latency) on two cores and on one. The C null
/// servers — canned answers, no MCP work — appear as the "ceiling" rows of the stdio and HTTP
/// tables, driven by the same load generators as everyone else.
enum CeilingSection {
    static func run(_ context: SuiteContext) throws {
        let roundTrips = context.options.quick ? 20_000 : 100_000
        context.report.heading("Ceiling: raw pipe round trip")
        context.report.line("The harness's `pipertt` (C): a 120-byte message written to a child and read back, \(NumberFormat.grouped(Double(roundTrips))) round trips. "
            + "Cross-core is the placement of every stdio row below (server on CPU 0, driver on CPU 1). Load at start: \(Machine.loadAverage()).")
        var table = MarkdownTable([("placement", false), ("p50 µs", true), ("p99 µs", true), ("round trips/s", true), ("bg cores", true)])
        let cpus = Machine.cores
        let placements: [(String, [String])] = cpus >= 2
            ? [("cross-core (CPU 0 ↔ CPU 1)", ["--cpus", "0", "1"]), ("same core (CPU 0 ↔ CPU 0)", ["--cpus", "0", "0"])]
            : [("unpinned", [])]
        for (label, arguments) in placements {
            SuiteReport.progress("ceiling: pipe round trip \(label)")
            let (result, background) = try context.measured(servers: []) {
                try Subprocess.capture([context.toolbox.pipertt, "-n", "\(roundTrips)"] + arguments)
            }
            guard result.status == 0, let value = try? JSONParser.parse(result.output.trimmingCharacters(in: .whitespacesAndNewlines)),
                  let p50 = value["p50_us"]?.doubleValue, let p99 = value["p99_us"]?.doubleValue, let rate = value["rtt_per_s"]?.doubleValue else {
                throw BenchmarkFailure("pipertt failed: \(result.output)")
            }
            table.add([label, NumberFormat.significant(p50), NumberFormat.significant(p99), NumberFormat.grouped(rate), NumberFormat.fixed(background, 2)])
        }
        context.report.table(table)
    }
}
