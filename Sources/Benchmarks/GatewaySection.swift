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
        /// Calls/s of each pipelined round, in the order they ran.
        var rounds: [Double]
        var pipelinedErrors: Int
        var resident: Int
        var background: Double
        var pipelined: Double { Self.median(rounds) }
        var errors: Int { sequential.errors + pipelinedErrors }

        static func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
    }

    static let engineOnly = "gateway, engine only"

    static func run(_ context: SuiteContext) throws {
        let options = context.options, toolbox = context.toolbox
        let database = try BenchDatabase.prepare(toolbox)
        let rounds = options.gatewayRounds
        context.report.heading("Gateway hop: client → agentbridge → reference server")
        context.report.line("stdio: `mcp-reference-server --tools 100` alone, and behind `agentbridge stdio --agent bench` (the same server as the agent's stdio upstream, "
            + "its `echo` exposed as `echo`); same driver and sizes as the stdio section. The gateway answers plain calls through its tool-call relay; "
            + "the last row of each era sends every call through the engine instead (`--no-relay`). Cold start through the gateway includes starting the upstream and listing its tools. "
            + "The three servers of an era run side by side and the 64-in-flight phase (\(NumberFormat.grouped(Double(options.pipelinedCalls))) calls) is taken in \(rounds) rounds, "
            + "each round measuring direct, gateway and engine-only one after the other, so a slow spell of this shared machine lands on all three: "
            + "calls/s is the median round, and the hop's share of direct is the median of the rounds' own ratios, with their range. "
            + "RSS counts the gateway and its upstream. Load at start: \(Machine.loadAverage()).")
        var rows: [Row] = []
        var shares: [Era: (gateway: [Double], engine: [Double])] = [:]
        for era in Era.allCases {
            let paths = [("direct", [toolbox.referenceServer, "--tools", "100"]),
                         ("through the gateway", [toolbox.agentbridge, "--db", database, "stdio", "--agent", "bench"]),
                         (Self.engineOnly, [toolbox.agentbridge, "--db", database, "stdio", "--agent", "bench", "--no-relay"])]
            var sessions: [StdioSession] = []
            defer { sessions.forEach { $0.stop() } }
            var eraRows: [Row] = []
            for (label, command) in paths {
                SuiteReport.progress("gateway stdio \(label) \(era.rawValue)")
                let session = try StdioSession(command, era: era, pinning: context.pinning, stderrPath: toolbox.log("gateway-stdio"))
                sessions.append(session)
                try session.warm(options.warmCalls)
                let (sequential, background) = try context.measured(servers: [session.process.pid]) {
                    try session.sequential(.echo, count: options.sequentialCalls)
                }
                eraRows.append(Row(path: label, era: era, coldMilliseconds: session.coldStartMilliseconds, sequential: sequential, rounds: [],
                                   pipelinedErrors: 0, resident: 0, background: background))
            }
            SuiteReport.progress("gateway stdio 64 in flight \(era.rawValue), \(rounds) rounds")
            let (_, background) = try context.measured(servers: sessions.map(\.process.pid)) {
                for index in eraRows.indices { eraRows[index].rounds = []; eraRows[index].pipelinedErrors = 0 }
                for _ in 0..<rounds {
                    for (index, session) in sessions.enumerated() {
                        let phase = try session.pipelined(.echo, count: options.pipelinedCalls)
                        eraRows[index].rounds.append(phase.perSecond)
                        eraRows[index].pipelinedErrors += phase.errors
                    }
                }
            }
            for index in eraRows.indices {
                eraRows[index].resident = sessions[index].residentKilobytes
                eraRows[index].background = max(eraRows[index].background, background)
            }
            shares[era] = (zip(eraRows[1].rounds, eraRows[0].rounds).map { $0 / $1 }, zip(eraRows[2].rounds, eraRows[0].rounds).map { $0 / $1 })
            rows += eraRows
        }
        var table = MarkdownTable([
            ("path", false), ("era", false), ("cold start ms", true), ("seq p50 µs", true), ("seq p99 µs", true), ("seq p99.9 µs", true),
            ("64 in flight calls/s (median round)", true), ("slowest–fastest round", true), ("RSS MB", true), ("errors", true), ("bg cores", true),
        ])
        for row in rows {
            table.add([
                row.path, row.era.protocolVersion, NumberFormat.fixed(row.coldMilliseconds, 1), NumberFormat.significant(row.sequential.latencies.p50),
                NumberFormat.significant(row.sequential.latencies.p99), NumberFormat.significant(row.sequential.latencies.p999),
                NumberFormat.grouped(row.pipelined),
                NumberFormat.grouped(row.rounds.min() ?? 0) + "–" + NumberFormat.grouped(row.rounds.max() ?? 0),
                NumberFormat.megabytes(kilobytes: row.resident), "\(row.errors)", NumberFormat.fixed(row.background, 2),
            ])
        }
        context.report.table(table)
        var hop = MarkdownTable([("era", false), ("seq p50 added µs", true), ("seq p50 ratio", true),
                                 ("64 in flight, % of direct (median round)", true), ("rounds' range", true), ("engine only, % of direct", true)])
        func percent(_ share: Double) -> String { NumberFormat.fixed(100 * share, 0) + " %" }
        for era in Era.allCases {
            guard let direct = rows.first(where: { $0.era == era && $0.path == "direct" }),
                  let gateway = rows.first(where: { $0.era == era && $0.path == "through the gateway" }),
                  let share = shares[era] else { continue }
            hop.add([
                era.protocolVersion, NumberFormat.significant(gateway.sequential.latencies.p50 - direct.sequential.latencies.p50),
                NumberFormat.ratio(gateway.sequential.latencies.p50 / direct.sequential.latencies.p50),
                percent(Row.median(share.gateway)),
                percent(share.gateway.min() ?? 0) + "–" + percent(share.gateway.max() ?? 0),
                percent(Row.median(share.engine)),
            ])
        }
        context.report.line("\n**What the hop costs** (latency: gateway ÷ direct; throughput: the gateway's calls/s as a share of direct's in the same round)")
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
        try alternatingHTTP(context, variants: [direct, gateway, engineOnly], connections: connections)
    }

    /// The HTTP hop measured like the stdio one: the three servers run side by side and each
    /// round runs wrk against direct, gateway and engine-only one after the other, so a slow
    /// spell of the machine lands on all three; the share is the median of the rounds' ratios.
    /// (The table above measures each server's connection counts back to back, which a spell
    /// lasting a few seconds skews by tens of percent either way.)
    static func alternatingHTTP(_ context: SuiteContext, variants: [HTTPVariant], connections: [Int]) throws {
        let rounds = context.options.quick ? 2 : 5, seconds = context.options.quick ? 1 : 2
        let targets = try variants.map { try HTTPTarget($0, pinning: context.pinning, log: context.toolbox.log("gateway-http-rounds")) }
        defer { targets.forEach { $0.stop() } }
        for (target, variant) in zip(targets, variants) {
            _ = try WrkRun.run(context.toolbox, port: target.port, path: variant.path, era: variant.era, session: target.session, connections: 16, seconds: 1)
        }
        var table = MarkdownTable([("conns", true), ("direct req/s (median round)", true), ("gateway req/s (median round)", true),
                                   ("gateway, % of direct (median round)", true), ("rounds' range", true), ("p50 added µs (median round)", true),
                                   ("engine only, % of direct", true), ("bg cores", true)])
        func percent(_ share: Double) -> String { NumberFormat.fixed(100 * share, 0) + " %" }
        for count in connections {
            SuiteReport.progress("gateway http rounds c=\(count), \(rounds) rounds")
            var perSecond = [[Double]](repeating: [], count: targets.count)
            var p50 = [[Double]](repeating: [], count: targets.count)
            let (_, background) = try context.measured(servers: targets.map(\.process.pid)) {
                for _ in 0..<rounds {
                    for (index, target) in targets.enumerated() {
                        let run = try WrkRun.run(context.toolbox, port: target.port, path: variants[index].path, era: variants[index].era,
                                                 session: target.session, connections: count, seconds: seconds)
                        perSecond[index].append(run.perSecond)
                        p50[index].append(run.latencies.p50)
                    }
                }
            }
            for target in targets { try target.validate() }
            let gatewayShare = zip(perSecond[1], perSecond[0]).map { $0 / $1 }
            let engineShare = zip(perSecond[2], perSecond[0]).map { $0 / $1 }
            table.add([
                "\(count)", NumberFormat.grouped(Row.median(perSecond[0])), NumberFormat.grouped(Row.median(perSecond[1])),
                percent(Row.median(gatewayShare)), percent(gatewayShare.min() ?? 0) + "–" + percent(gatewayShare.max() ?? 0),
                NumberFormat.significant(Row.median(zip(p50[1], p50[0]).map { $0 - $1 })), percent(Row.median(engineShare)),
                NumberFormat.fixed(background, 2),
            ])
        }
        context.report.line("\nThe HTTP hop in alternating rounds (\(rounds) rounds of \(seconds) s per server and connection count, the three servers side by side, "
            + "each round running direct, gateway and engine-only one after the other):")
        context.report.table(table)
    }
}
