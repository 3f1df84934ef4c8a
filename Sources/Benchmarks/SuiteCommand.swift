import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `agentbridge-bench suite`: the end-to-end benchmark of the "proof at scale" issue — stdio and
/// HTTP round trips, listen fan-out, the gateway hop and `run_agent` — with the official Python SDK
/// server, FastMCP and the machine's ceilings measured in the same run by the same load
/// generators, reported as Markdown tables with ratios.
///
/// It orchestrates processes and never measures itself: servers run pinned to CPU 0, the load
/// generators (this process's driver threads, wrk) on CPU 1, and every row carries the CPU other
/// processes used meanwhile, because the machine is shared.
enum SuiteCommand {
    static func run(_ options: SuiteOptions) throws {
        signal(SIGPIPE, SIG_IGN)
        ListenSection.raiseOpenFileLimit()
        let toolbox = try Toolbox.locate(options)
        let report = SuiteReport()
        let context = SuiteContext(options: options, toolbox: toolbox, report: report)
        CPUPinning.pinCurrentThread(to: options.pinning.generatorCPU)
        let loadAtStart = Machine.loadAverage(), started = Date()
        SuiteReport.progress("run folder \(toolbox.runDirectory); load \(loadAtStart)")

        var peers = [Peer.agentbridge(toolbox)]
        for choice in options.peers {
            var peer = Peer.python(choice, toolbox)
            if options.quick {
                // A smoke test: the peers' slow start-up (Python imports) dominates, and our
                // server already exercises the 2025-11-25 paths of every driver.
                peer.stdioEras = [.modern]
                peer.http = peer.http.filter { $0.era == .modern }
            }
            peers.append(peer)
        }
        peers.append(Peer.ceiling(toolbox))
        let sections = options.sections
        if sections.contains(.ceiling) { try CeilingSection.run(context) }
        if sections.contains(.stdio) { StdioSection.run(context, peers: peers) }
        if sections.contains(.http) { HTTPSection.run(context, peers: peers) }
        if sections.contains(.listen) { ListenSection.run(context, peers: peers.filter { $0.role != .ceiling }) }
        if sections.contains(.gateway) { try GatewaySection.run(context) }
        if sections.contains(.platform) { try PlatformSection.run(context) }

        let markdown = header(context, loadAtStart: loadAtStart, started: started) + report.markdown
        print(markdown)
        if let out = options.out {
            try markdown.write(toFile: out, atomically: true, encoding: .utf8)
            SuiteReport.progress("wrote \(out)")
        }
        toolbox.removeRunDirectory()
    }

    private static func header(_ context: SuiteContext, loadAtStart: String, started: Date) -> String {
        let toolbox = context.toolbox, options = context.options
        let minutes = Date().timeIntervalSince(started) / 60
        var machine = MarkdownTable([("item", false), ("value", false)])
        machine.add(["machine", "\(Machine.cpuModel), \(Machine.cores) cores, \(NumberFormat.fixed(Machine.memoryGiB, 0)) GiB, \(Machine.kernel)"])
        machine.add(["load average (1, 5, 15 min)", "start \(loadAtStart); end \(Machine.loadAverage())"])
        machine.add(["placement", options.pinning.label])
        machine.add(["run", "\(ISO8601DateFormatter().string(from: started)), \(NumberFormat.fixed(minutes, 1)) min, \(options.quick ? "--quick (smoke test: small counts)" : "full")"])
        machine.add(["agentbridge", Machine.version(of: [toolbox.agentbridge, "--version"]) ?? "?"])
        machine.add(["HTTP load", Machine.version(of: [toolbox.wrk, "-v"]).map { String($0.prefix(while: { $0 != "[" })).trimmingCharacters(in: .whitespaces) } ?? "wrk"])
        if let python = toolbox.python {
            let versions = Machine.version(of: [python, "-c",
                "import sys, importlib.metadata as m; print('Python ' + sys.version.split()[0] + ', mcp ' + m.version('mcp') + ', fastmcp ' + m.version('fastmcp') + ', uvicorn ' + m.version('uvicorn'))"])
            machine.add(["peers", versions ?? "?"])
        }
        return """
            # AgentBridge benchmark suite

            `agentbridge-bench suite\(CommandLine.arguments.dropFirst(2).map { " " + $0 }.joined())` — every figure below was measured in this one run; \
            "bg cores" is the CPU other processes on the machine used during that measurement.

            \(machine.render())

            """
    }
}
