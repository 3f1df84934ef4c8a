/// The gateway hop: client → agentbridge gateway (agent `bench`, see `BenchDatabase`) → reference
/// server, against the same reference server directly — what one governed hop adds, over stdio
/// (`agentbridge stdio --agent bench`, the upstream a supervised stdio child) and over HTTP
/// (`/mcp/agents/bench` against `serve --surface reference`'s `/mcp`).
enum GatewaySection {
    struct Row {
        var path: String
        var era: Era
        var coldMilliseconds: Double
        var sequential: StdioSession.Phase
        var pipelined: StdioSession.Phase
        var resident: Int
        var errors: Int
        var background: Double
    }

    static let engineOnly = "gateway, engine only"

    static func run(_ context: SuiteContext) throws {
        let options = context.options, toolbox = context.toolbox
        let database = try BenchDatabase.prepare(toolbox)
        context.report.heading("Gateway hop: client → agentbridge → reference server")
        context.report.line("stdio: `mcp-reference-server --tools 100` alone, and behind `agentbridge stdio --agent bench` (the same server as the agent's stdio upstream, "
            + "its `echo` exposed as `echo`); same driver and sizes as the stdio section. The gateway answers plain calls through its tool-call relay; "
            + "the last row of each era sends every call through the engine instead (`--no-relay`). Cold start through the gateway includes starting the upstream and listing its tools. "
            + "RSS counts the gateway and its upstream. Load at start: \(Machine.loadAverage()).")
        var rows: [Row] = []
        for era in Era.allCases {
            for (label, command) in [("direct", [toolbox.referenceServer, "--tools", "100"]),
                                     ("through the gateway", [toolbox.agentbridge, "--db", database, "stdio", "--agent", "bench"]),
                                     (Self.engineOnly, [toolbox.agentbridge, "--db", database, "stdio", "--agent", "bench", "--no-relay"])] {
                SuiteReport.progress("gateway stdio \(label) \(era.rawValue)")
                let session = try StdioSession(command, era: era, pinning: context.pinning, stderrPath: toolbox.log("gateway-stdio"))
                defer { session.stop() }
                try session.warm(options.warmCalls)
                let ((sequential, pipelined), background) = try context.measured(servers: [session.process.pid]) {
                    (try session.sequential(.echo, count: options.sequentialCalls), try session.pipelined(.echo, count: options.pipelinedCalls))
                }
                rows.append(Row(path: label, era: era, coldMilliseconds: session.coldStartMilliseconds, sequential: sequential, pipelined: pipelined,
                                resident: session.residentKilobytes, errors: sequential.errors + pipelined.errors, background: background))
            }
        }
        var table = MarkdownTable([
            ("path", false), ("era", false), ("cold start ms", true), ("seq p50 µs", true), ("seq p99 µs", true), ("seq p99.9 µs", true),
            ("64 in flight calls/s", true), ("RSS MB", true), ("errors", true), ("bg cores", true),
        ])
        for row in rows {
            table.add([
                row.path, row.era.protocolVersion, NumberFormat.fixed(row.coldMilliseconds, 1), NumberFormat.significant(row.sequential.latencies.p50),
                NumberFormat.significant(row.sequential.latencies.p99), NumberFormat.significant(row.sequential.latencies.p999),
                NumberFormat.grouped(row.pipelined.perSecond), NumberFormat.megabytes(kilobytes: row.resident), "\(row.errors)", NumberFormat.fixed(row.background, 2),
            ])
        }
        context.report.table(table)
        var hop = MarkdownTable([("era", false), ("seq p50 added µs", true), ("seq p50 ratio", true), ("calls/s ratio, 64 in flight", true),
                                 ("64 in flight, % of direct", true), ("engine only, % of direct", true)])
        for era in Era.allCases {
            guard let direct = rows.first(where: { $0.era == era && $0.path == "direct" }),
                  let gateway = rows.first(where: { $0.era == era && $0.path == "through the gateway" }) else { continue }
            let engine = rows.first(where: { $0.era == era && $0.path == Self.engineOnly })
            hop.add([
                era.protocolVersion, NumberFormat.significant(gateway.sequential.latencies.p50 - direct.sequential.latencies.p50),
                NumberFormat.ratio(gateway.sequential.latencies.p50 / direct.sequential.latencies.p50),
                NumberFormat.ratio(direct.pipelined.perSecond / gateway.pipelined.perSecond),
                NumberFormat.fixed(100 * gateway.pipelined.perSecond / direct.pipelined.perSecond, 0) + " %",
                engine.map { NumberFormat.fixed(100 * $0.pipelined.perSecond / direct.pipelined.perSecond, 0) + " %" } ?? "–",
            ])
        }
        context.report.line("\n**What the hop costs** (ratios: gateway ÷ direct for latency, direct ÷ gateway for throughput; 1× = free)")
        context.report.table(hop)

        context.report.line("\nHTTP: wrk as in the HTTP section, 2026-07-28 JSON, against `serve --surface reference` (`/mcp`) and `serve` on the platform database (`/mcp/agents/bench`, upstream over stdio).")
        let direct = Peer.agentbridge(toolbox).http[0]
        var gateway = direct
        gateway.name = "gateway /mcp/agents/bench"
        gateway.path = "/mcp/agents/bench"
        gateway.command = { port in
            [toolbox.agentbridge, "--db", database, "serve", "--auth", "none", "--manifests", "none", "--no-access-log", "--listen", "127.0.0.1:\(port)"]
        }
        var engineOnly = gateway
        let gatewayCommand = gateway.command
        engineOnly.name = "gateway, engine only (--no-relay)"
        engineOnly.command = { port in gatewayCommand(port) + ["--no-relay"] }
        var httpRows: [HTTPSection.Row] = []
        let connections = options.quick ? [16] : [1, 16, 64]
        for (label, variant) in [("direct /mcp", direct), ("through the gateway", gateway), (Self.engineOnly, engineOnly)] {
            SuiteReport.progress("gateway http \(label)")
            var measured = try HTTPSection.measure(context, peer: Peer.agentbridge(toolbox), variant: variant, connections: connections)
            for index in measured.indices { measured[index].peer = "agentbridge, " + label }
            httpRows += measured
        }
        context.report.table(HTTPSection.table(httpRows))
        var httpHop = MarkdownTable([("conns", true), ("p50 added µs", true), ("req/s ratio (direct ÷ gateway)", true), ("gateway, % of direct", true),
                                     ("engine only, % of direct", true)])
        for count in connections {
            let rows = httpRows.filter { $0.connections == count }
            guard rows.count == 3 else { continue }
            httpHop.add(["\(count)", NumberFormat.significant(rows[1].run.latencies.p50 - rows[0].run.latencies.p50),
                         NumberFormat.ratio(rows[0].run.perSecond / rows[1].run.perSecond),
                         NumberFormat.fixed(100 * rows[1].run.perSecond / rows[0].run.perSecond, 0) + " %",
                         NumberFormat.fixed(100 * rows[2].run.perSecond / rows[0].run.perSecond, 0) + " %"])
        }
        context.report.table(httpHop)
    }
}
