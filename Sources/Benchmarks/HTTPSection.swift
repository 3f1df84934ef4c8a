/// HTTP: `tools/call` echo POSTs to `/mcp` with wrk at 1, 16, 64 and 256 keep-alive connections,
/// as 2026-07-28 self-contained JSON requests and inside one 2025-11-25 session, for agentbridge,
/// each peer and the C epoll responder (the ceiling: a fixed 200 answer of the same size).
enum HTTPSection {
    struct Row {
        var peer: String
        var role: Peer.Role
        var variant: HTTPVariant
        var negotiated: String
        var connections: Int
        var run: WrkRun
        /// Server CPU during the run, in cores (1.0 = its whole core).
        var serverCores: Double
        var residentKilobytes: Int
        var background: Double
    }

    static func run(_ context: SuiteContext, peers: [Peer]) {
        let options = context.options
        context.report.heading("HTTP: `tools/call` echo over `/mcp`")
        context.report.line("wrk 1 thread, \(options.connections.map(String.init).joined(separator: ", ")) keep-alive connections, \(options.wrkSeconds) s per point\(options.quick ? "" : " after a 1 s warm-up"); "
            + "each request a fresh JSON-RPC id. 2026-07-28 JSON: self-contained POSTs with the routing headers and `_meta` envelope (Python: its stateless JSON app). "
            + "2025-11-25 session: `initialize` once, every request on that `Mcp-Session-Id` (Python: its default stateful app, SSE-framed answers). "
            + "Each server answers one checked echo call before and after every point; errors are wrk's (connect, read, write, timeout, non-2xx). "
            + "Load at start: \(Machine.loadAverage()).")
        var rows: [Row] = []
        var failures: [String] = []
        for peer in peers {
            for variant in peer.http {
                SuiteReport.progress("http \(peer.name) \(variant.name)")
                do {
                    rows += try measure(context, peer: peer, variant: variant)
                } catch {
                    failures.append("\(peer.name) \(variant.name): \(error)")
                    SuiteReport.progress("  failed: \(error)")
                }
            }
        }
        render(context.report, rows: rows, connections: options.connections, failures: failures)
    }

    /// Every connection count against one server process.
    static func measure(_ context: SuiteContext, peer: Peer, variant: HTTPVariant, connections: [Int]? = nil) throws -> [Row] {
        let log = context.toolbox.log("http-\(peer.name.filter(\.isLetter))-\(variant.name.filter(\.isLetter))")
        let target = try HTTPTarget(variant, pinning: context.pinning, log: log)
        defer { target.stop() }
        let pid = target.process.pid
        if !context.options.quick {
            _ = try WrkRun.run(context.toolbox, port: target.port, path: variant.path, era: variant.era, session: target.session, connections: 16, seconds: 1)
        }
        var rows: [Row] = []
        for count in connections ?? context.options.connections {
            let ((run, cores), background) = try context.measured(servers: [pid]) {
                let cpuBefore = ProcessTree.cpuSeconds(of: pid), started = Monotonic.seconds()
                let run = try WrkRun.run(context.toolbox, port: target.port, path: variant.path, era: variant.era, session: target.session,
                                         connections: count, seconds: context.options.wrkSeconds)
                return (run, (ProcessTree.cpuSeconds(of: pid) - cpuBefore) / (Monotonic.seconds() - started))
            }
            let resident = ProcessTree.residentKilobytes(of: pid)
            try target.validate()
            SuiteReport.progress("  c=\(count): \(NumberFormat.grouped(run.perSecond)) req/s, p50 \(NumberFormat.significant(run.latencies.p50)) µs, errors \(run.errors), bg \(NumberFormat.fixed(background, 2))")
            rows.append(Row(peer: peer.name, role: peer.role, variant: variant, negotiated: target.negotiated, connections: count, run: run,
                            serverCores: cores, residentKilobytes: resident, background: background))
        }
        return rows
    }

    static func table(_ rows: [Row]) -> MarkdownTable {
        var table = MarkdownTable([
            ("server", false), ("variant", false), ("negotiated", false), ("conns", true), ("req/s", true), ("p50 µs", true), ("p99 µs", true),
            ("p99.9 µs", true), ("server CPU cores", true), ("server RSS MB", true), ("errors", true), ("bg cores", true),
        ])
        for row in rows {
            table.add([
                row.peer, row.variant.name, row.negotiated, "\(row.connections)", NumberFormat.grouped(row.run.perSecond),
                NumberFormat.significant(row.run.latencies.p50), NumberFormat.significant(row.run.latencies.p99),
                NumberFormat.significant(row.run.latencies.p999), NumberFormat.fixed(row.serverCores, 2),
                NumberFormat.megabytes(kilobytes: row.residentKilobytes), "\(row.run.errors)", NumberFormat.fixed(row.background, 2),
            ])
        }
        return table
    }

    private static func render(_ report: SuiteReport, rows: [Row], connections: [Int], failures: [String]) {
        report.table(table(rows))
        var ratios = MarkdownTable([("agentbridge vs", false), ("variant", false)]
            + connections.map { ("req/s at \($0)", true) } + [("p50 at 1", true)])
        var seen: [String] = []
        for row in rows where row.role != .ours {
            let key = row.peer + row.variant.name
            if seen.contains(key) { continue }
            seen.append(key)
            let theirs = rows.filter { $0.peer == row.peer && $0.variant.name == row.variant.name }
            let ours = rows.filter { $0.role == .ours && $0.variant.era == row.variant.era }
            func pair(_ count: Int) -> (Row, Row)? {
                guard let a = ours.first(where: { $0.connections == count }), let b = theirs.first(where: { $0.connections == count }) else { return nil }
                return (a, b)
            }
            ratios.add([row.peer, row.variant.name + (row.role == .ceiling ? " (vs our 2026-07-28 JSON)" : "")]
                + connections.map { count in NumberFormat.ratio(pair(count).map { $0.0.run.perSecond / $0.1.run.perSecond }) }
                + [NumberFormat.ratio(pair(1).map { $0.1.run.latencies.p50 / $0.0.run.latencies.p50 })])
        }
        if !ratios.rows.isEmpty {
            report.line("\n**Ratios** (agentbridge in the same era; above 1: agentbridge is better by that factor; against the ceiling: the share of it agentbridge reaches)")
            report.table(ratios)
        }
        for failure in failures { report.line("\n- not measured: \(failure)") }
    }
}
