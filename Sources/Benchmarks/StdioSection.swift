/// stdio: `tools/call` echo one at a time (p50/p99/p99.9) and 64 in flight, cold start to the first
/// `tools/list` answer, `tools/list` of 120 tools, and memory after 100k calls — for agentbridge,
/// each peer and the C null server, in both eras, all driven by the same `StdioSession`.
enum StdioSection {
    struct Row {
        var peer: String
        var role: Peer.Role
        var era: Era
        var negotiated: String
        var coldMilliseconds: Double
        var sequential: StdioSession.Phase
        var pipelined: StdioSession.Phase
        /// Server CPU per call while 64 were in flight, µs.
        var cpuPerCall: Double
        var listSequential: StdioSession.Phase
        var listPipelined: StdioSession.Phase
        var listedTools: Int
        var listBytes: Int
        var residentIdle: Int
        var residentAfterSoak: Int
        var soakedCalls: Int
        var errors: Int
        var background: Double
    }

    private static let listMarker = Array("tool_097".utf8)

    static func run(_ context: SuiteContext, peers: [Peer]) {
        let options = context.options
        context.report.heading("stdio: `tools/call` echo and `tools/list` over pipes")
        context.report.line("One server process per row, driven by the suite's stdio driver (pipes; every answer's id, `result` and text checked). "
            + "Sequential: \(NumberFormat.grouped(Double(options.sequentialCalls))) calls one at a time after \(options.warmCalls) warm-up calls; "
            + "64 in flight: \(NumberFormat.grouped(Double(options.pipelinedCalls))) calls; memory after \(NumberFormat.grouped(Double(options.soakCalls))) calls in total; "
            + "`tools/list`: 120 tools in one answer (\(options.sequentialLists) one at a time, \(NumberFormat.grouped(Double(options.pipelinedLists))) with 64 in flight) in a second process. "
            + "Cold start: spawn → first `tools/list` answer (the `initialize` handshake included in 2025-11-25; agentbridge's answer carries the first page, 100 of its 122 tools, the peers' their one tool). "
            + "agentbridge: `agentbridge stdio --surface reference` (calls), `mcp-reference-server --tools 98 --page-size 1000` (list: echo, tool_001…097 and 22 conformance fixtures). "
            + "Load at start: \(Machine.loadAverage()).")
        var rows: [Row] = []
        var failures: [String] = []
        for peer in peers {
            guard let calls = peer.stdioCalls, let list = peer.stdioList else { continue }
            for era in peer.stdioEras {
                SuiteReport.progress("stdio \(peer.name) \(era.rawValue)")
                do {
                    rows.append(try measure(context, peer: peer, era: era, calls: calls, list: list))
                } catch {
                    failures.append("\(peer.name) \(era.protocolVersion): \(error)")
                    SuiteReport.progress("  failed: \(error)")
                }
            }
        }
        render(context.report, rows: rows, failures: failures)
    }

    private static func measure(_ context: SuiteContext, peer: Peer, era: Era, calls: [String], list: [String]) throws -> Row {
        let options = context.options
        let log = context.toolbox.log("stdio-\(peer.name.filter(\.isLetter))-\(era.rawValue)")
        let session = try StdioSession(calls, environment: peer.environment, era: era, pinning: context.pinning, stderrPath: log)
        defer { session.stop() }
        try session.warm(options.warmCalls)
        let idle = session.residentKilobytes
        let pid = session.process.pid
        let ((sequential, pipelined, cpuPerCall), background) = try context.measured(servers: [pid]) {
            let sequential = try session.sequential(.echo, count: options.sequentialCalls)
            let cpuBefore = ProcessTree.cpuSeconds(of: pid)
            let pipelined = try session.pipelined(.echo, count: options.pipelinedCalls)
            let cpu = (ProcessTree.cpuSeconds(of: pid) - cpuBefore) / Double(pipelined.count) * 1e6
            return (sequential, pipelined, cpu)
        }
        let soak = try session.pipelined(.echo, count: max(0, options.soakCalls - session.echoCalls))
        let after = session.residentKilobytes
        SuiteReport.progress("  seq p50 \(NumberFormat.significant(sequential.latencies.p50)) µs, 64 in flight \(NumberFormat.grouped(pipelined.perSecond))/s, bg \(NumberFormat.fixed(background, 2))")

        let lister = try StdioSession(list, environment: peer.environment, era: era, pinning: context.pinning, stderrPath: log)
        defer { lister.stop() }
        try lister.warm(30)
        let ((listSequential, listPipelined), listBackground) = try context.measured(servers: [lister.process.pid]) {
            (try lister.sequential(.list, count: options.sequentialLists, expect: listMarker),
             try lister.pipelined(.list, count: options.pipelinedLists, expect: listMarker))
        }
        return Row(
            peer: peer.name, role: peer.role, era: era, negotiated: session.negotiated, coldMilliseconds: session.coldStartMilliseconds,
            sequential: sequential, pipelined: pipelined, cpuPerCall: cpuPerCall,
            listSequential: listSequential, listPipelined: listPipelined, listedTools: lister.listedTools, listBytes: lister.listBytes,
            residentIdle: idle, residentAfterSoak: after, soakedCalls: session.echoCalls,
            errors: sequential.errors + pipelined.errors + soak.errors + listSequential.errors + listPipelined.errors,
            background: max(background, listBackground))
    }

    private static func render(_ report: SuiteReport, rows: [Row], failures: [String]) {
        var calls = MarkdownTable([
            ("server", false), ("era", false), ("negotiated", false), ("cold start ms", true), ("seq p50 µs", true), ("seq p99 µs", true),
            ("seq p99.9 µs", true), ("seq calls/s", true), ("64 in flight calls/s", true), ("server CPU µs/call", true), ("errors", true), ("bg cores", true),
        ])
        var lists = MarkdownTable([
            ("server", false), ("era", false), ("tools", true), ("answer KB", true), ("list seq p50 µs", true), ("list seq p99 µs", true),
            ("lists/s, 64 in flight", true), ("RSS idle MB", true), ("RSS after 100k calls MB", true), ("bg cores", true),
        ])
        for row in rows {
            calls.add([
                row.peer, row.era.protocolVersion, row.role == .ceiling ? "canned answers" : row.negotiated, NumberFormat.fixed(row.coldMilliseconds, 1),
                NumberFormat.significant(row.sequential.latencies.p50), NumberFormat.significant(row.sequential.latencies.p99),
                NumberFormat.significant(row.sequential.latencies.p999), NumberFormat.grouped(row.sequential.perSecond),
                NumberFormat.grouped(row.pipelined.perSecond), NumberFormat.significant(row.cpuPerCall), "\(row.errors)",
                NumberFormat.fixed(row.background, 2),
            ])
            lists.add([
                row.peer, row.era.protocolVersion, "\(row.listedTools)", NumberFormat.fixed(Double(row.listBytes) / 1000, 1),
                NumberFormat.significant(row.listSequential.latencies.p50), NumberFormat.significant(row.listSequential.latencies.p99),
                NumberFormat.grouped(row.listPipelined.perSecond), NumberFormat.megabytes(kilobytes: row.residentIdle),
                NumberFormat.megabytes(kilobytes: row.residentAfterSoak) + (row.soakedCalls >= 100_000 ? "" : " (\(row.soakedCalls / 1000)k)"),
                NumberFormat.fixed(row.background, 2),
            ])
        }
        report.line("\n**`tools/call` echo**")
        report.table(calls)
        report.line("\n**`tools/list` with 120 tools, and memory**")
        report.table(lists)
        var ratios = MarkdownTable([
            ("agentbridge vs", false), ("era", false), ("cold start", true), ("seq p50", true), ("seq p99.9", true),
            ("calls/s, 64 in flight", true), ("lists/s", true), ("list seq p50", true), ("RSS after 100k", true),
        ])
        for row in rows where row.role != .ours {
            guard let ours = rows.first(where: { $0.role == .ours && $0.era == row.era }) else { continue }
            ratios.add([
                row.peer, row.era.protocolVersion,
                NumberFormat.ratio(row.coldMilliseconds / ours.coldMilliseconds),
                NumberFormat.ratio(row.sequential.latencies.p50 / ours.sequential.latencies.p50),
                NumberFormat.ratio(row.sequential.latencies.p999 / ours.sequential.latencies.p999),
                NumberFormat.ratio(ours.pipelined.perSecond / row.pipelined.perSecond),
                NumberFormat.ratio(ours.listPipelined.perSecond / row.listPipelined.perSecond),
                NumberFormat.ratio(row.listSequential.latencies.p50 / ours.listSequential.latencies.p50),
                NumberFormat.ratio(Double(row.residentAfterSoak) / Double(ours.residentAfterSoak)),
            ])
        }
        if !ratios.rows.isEmpty {
            report.line("\n**Ratios** (same era; above 1: agentbridge is better by that factor — faster, more per second, less memory; against the ceiling: the share of it agentbridge reaches)")
            report.table(ratios)
        }
        for failure in failures { report.line("\n- not measured: \(failure)") }
    }
}
