import JSON
#if canImport(Glibc)
import Glibc
#endif

/// `subscriptions/listen` fan-out: N idle 2026-07-28 listen streams held open against one server
/// process — what each costs in server memory, how fast they open, what the server burns while
/// they sit idle, and whether an echo call is still quick beside them.
enum ListenSection {
    struct Row {
        var peer: String
        var role: Peer.Role
        var streams: Int
        var opened: Int
        var openSeconds: Double
        var residentBefore: Int
        var residentWith: Int
        var residentAfterClose: Int
        var idleCores: Double
        var echoWith: Latencies?
        var background: Double
        var failure: String?

        var kilobytesPerStream: Double { opened > 0 ? Double(residentWith - residentBefore) / Double(opened) : 0 }
    }

    static func run(_ context: SuiteContext, peers: [Peer]) {
        context.report.heading("HTTP: `subscriptions/listen` fan-out")
        context.report.line("N idle 2026-07-28 `subscriptions/listen` streams (`toolsListChanged`) opened one after another against one server, each held until its "
            + "`notifications/subscriptions/acknowledged` arrived. Memory per stream = (RSS with N open − RSS before) / N; idle CPU over 2 s with all open; "
            + "echo: 200 sequential calls on another connection with all open; RSS 2 s after closing them. "
            + "agentbridge: `serve --surface reference --max-connections N+1000`; Python: the stateless JSON app. "
            + "File descriptors: \(openFileLimit()) per process. Load at start: \(Machine.loadAverage()).")
        var rows: [Row] = []
        var unsupported: [String] = []
        for peer in peers {
            guard let variant = peer.http.first(where: { $0.era == .modern && !$0.raw }) else { continue }
            for streams in context.options.listenStreams {
                SuiteReport.progress("listen \(peer.name) \(streams) streams")
                let row = measure(context, peer: peer, variant: variant, streams: streams)
                if let failure = row.failure { SuiteReport.progress("  \(failure)") }
                if row.opened == 0 {
                    unsupported.append("\(peer.name): \(row.failure ?? "no stream opened")")
                    break
                }
                SuiteReport.progress("  \(row.opened) open, \(NumberFormat.significant(row.kilobytesPerStream)) KiB each")
                rows.append(row)
            }
        }
        var table = MarkdownTable([
            ("server", false), ("streams", true), ("opened", true), ("opened/s", true), ("RSS before MB", true), ("RSS with streams MB", true),
            ("KiB per stream", true), ("idle CPU cores", true), ("echo p50 µs beside them", true), ("RSS after close MB", true), ("bg cores", true),
        ])
        for row in rows {
            table.add([
                row.peer, NumberFormat.grouped(Double(row.streams)), NumberFormat.grouped(Double(row.opened)),
                NumberFormat.grouped(Double(row.opened) / max(row.openSeconds, 1e-9)), NumberFormat.megabytes(kilobytes: row.residentBefore),
                NumberFormat.megabytes(kilobytes: row.residentWith), NumberFormat.significant(row.kilobytesPerStream),
                NumberFormat.fixed(row.idleCores, 3), row.echoWith.map { NumberFormat.significant($0.p50) } ?? "–",
                NumberFormat.megabytes(kilobytes: row.residentAfterClose), NumberFormat.fixed(row.background, 2),
            ])
        }
        context.report.table(table)
        var ratios = MarkdownTable([("agentbridge vs", false), ("streams", true), ("memory per stream", true), ("opened/s", true)])
        for row in rows where row.role != .ours {
            guard let ours = rows.first(where: { $0.role == .ours && $0.streams == row.streams }), ours.failure == nil, row.failure == nil else { continue }
            ratios.add([
                row.peer, NumberFormat.grouped(Double(row.streams)), NumberFormat.ratio(row.kilobytesPerStream / ours.kilobytesPerStream),
                NumberFormat.ratio((Double(ours.opened) / ours.openSeconds) / (Double(row.opened) / row.openSeconds)),
            ])
        }
        if !ratios.rows.isEmpty {
            context.report.line("\n**Ratios** (above 1: agentbridge is better by that factor)")
            context.report.table(ratios)
        }
        for row in rows { if let failure = row.failure { context.report.line("\n- \(row.peer), \(row.streams) streams: \(failure)") } }
        for text in unsupported { context.report.line("\n- not measured: \(text)") }
    }

    private static func measure(_ context: SuiteContext, peer: Peer, variant: HTTPVariant, streams: Int) -> Row {
        var row = Row(peer: peer.name, role: peer.role, streams: streams, opened: 0, openSeconds: 0, residentBefore: 0, residentWith: 0,
                      residentAfterClose: 0, idleCores: 0, echoWith: nil, background: 0)
        let needed = streams + 64
        guard openFileLimit() >= needed else {
            row.failure = "not measured: the open-file limit is \(openFileLimit()), \(needed) are needed (raise the hard limit, ulimit -Hn)"
            return row
        }
        let target: HTTPTarget
        do {
            target = try HTTPTarget(variant, pinning: context.pinning, log: context.toolbox.log("listen-\(peer.name.filter(\.isLetter))-\(streams)"),
                                    extraArguments: peer.role == .ours ? ["--max-connections", "\(streams + 1000)"] : [])
        } catch {
            row.failure = "not measured: \(error)"
            return row
        }
        defer { target.stop() }
        let pid = target.process.pid
        let pause = context.options.quick ? 0.25 : 1.0
        for _ in 0..<20 { try? target.validate() }
        usleep(UInt32(500_000 * pause))
        row.residentBefore = ProcessTree.residentKilobytes(of: pid)
        var open: [HTTPConnection] = []
        open.reserveCapacity(streams)
        let acknowledged = Array("subscriptions/acknowledged".utf8)
        let load = BackgroundLoad(servers: [pid])
        let started = Monotonic.seconds()
        do {
            for index in 0..<streams {
                let connection = try HTTPConnection(port: target.port, timeoutSeconds: 30)
                try connection.send(variant.path, headers: [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "subscriptions/listen")],
                                    body: #"{"jsonrpc":"2.0","id":\#(index + 1),"method":"subscriptions/listen","params":{"notifications":{"toolsListChanged":true},\#(Era.envelope)}}"#)
                let (status, fields) = try connection.readHead()
                guard status == 200, fields["content-type"]?.contains("text/event-stream") == true else {
                    let reply = HTTPConnection.Reply(status: status, headers: fields, body: (try? connection.readBody(fields)) ?? [])
                    if let error = reply.message?["error"], index == 0 {
                        throw BenchmarkFailure("it does not serve subscriptions/listen: HTTP \(status), JSON-RPC error \(JSONWriter.string(error))")
                    }
                    throw BenchmarkFailure("stream \(index + 1) answered HTTP \(status): \(reply.text.prefix(200))")
                }
                try connection.readUntil(acknowledged)
                open.append(connection)
            }
        } catch {
            row.failure = open.isEmpty ? "\(error)" : "stopped after \(open.count) streams: \(error)"
        }
        row.openSeconds = Monotonic.seconds() - started
        row.opened = open.count
        usleep(UInt32(1_000_000 * pause))
        row.residentWith = ProcessTree.residentKilobytes(of: pid)
        let cpuBefore = ProcessTree.cpuSeconds(of: pid), idleSince = Monotonic.seconds()
        usleep(UInt32(2_000_000 * pause))
        row.idleCores = (ProcessTree.cpuSeconds(of: pid) - cpuBefore) / (Monotonic.seconds() - idleSince)
        if let connection = try? HTTPConnection(port: target.port) {
            var samples: [UInt64] = []
            for index in 0..<200 {
                let sent = Monotonic.nanoseconds()
                guard let reply = try? connection.post(variant.path, headers: target.echoHeaders, body: HTTPTarget.echoBody(era: .modern, id: index + 1)),
                      reply.status == 200 else { break }
                samples.append(Monotonic.nanoseconds() - sent)
            }
            if samples.count == 200 { row.echoWith = Latencies(nanoseconds: samples) }
        }
        row.background = load.otherCores()
        open.removeAll()
        usleep(UInt32(2_000_000 * pause))
        row.residentAfterClose = ProcessTree.residentKilobytes(of: pid)
        return row
    }

    /// This process's open-file limit (servers inherit it).
    static func openFileLimit() -> Int {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return Int(limit.rlim_cur)
    }

    /// Raises the open-file limit to the hard limit: 10,000 streams need 10,000 descriptors on
    /// each side.
    static func raiseOpenFileLimit() {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
