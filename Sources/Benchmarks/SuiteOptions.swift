/// `agentbridge-bench suite` options, and the sizes of every phase they imply.
struct SuiteOptions {
    enum Section: String, CaseIterable {
        case ceiling, stdio, http, listen, gateway, platform
    }

    var quick = false
    var out: String?
    var peers: [Peer.Choice] = Peer.Choice.allCases
    var sections: [Section] = Section.allCases
    var harness: String?
    var python: String?
    var pin = true
    /// Seconds per wrk point and per platform concurrency level.
    var seconds: Int?
    /// Longest wait for a quiet machine before each measurement.
    var quietWait: Double?
    /// Times a disturbed measurement is taken again.
    var retries: Int?

    static let usage = """
        usage: agentbridge-bench suite [--quick] [--out FILE.md] [--peers python,fastmcp|none] [--seconds S]
                                       [--only ceiling,stdio,http,listen,gateway,platform] [--harness DIR] [--python PATH]
                                       [--no-pin] [--quiet-wait S] [--retries N]
          End-to-end: stdio and HTTP round trips, listen fan-out, the gateway hop and run_agent, against the
          official Python SDK server, FastMCP and the machine's ceilings, with the same load generators.
          --quick        small counts, 1 s HTTP points, the peers in 2026-07-28 only: a smoke test
          --out FILE     also write the Markdown report to FILE
          --peers LIST   which peers to run (default python,fastmcp; none for ours and the ceilings only)
          --seconds S    seconds per HTTP point and per run_agent level (default 5; --quick 1)
          --only LIST    run only these sections
          --harness DIR  the shared benchmark harness (default ../shared/bench beside the package, or $AGENTBRIDGE_BENCH_HARNESS)
          --python PATH  Python with mcp 2.3.0 and fastmcp (default DIR/.venv/bin/python, made by DIR/setup)
          --no-pin       do not pin the server to CPU 0 and the load generator to CPU 1
          --quiet-wait S wait up to S seconds for other processes to go quiet before each measurement (default 10; --quick 0)
          --retries N    measure again, up to N times, when other processes used more than 0.3 cores meanwhile;
                         the least disturbed measurement is kept (default 1; --quick 0)
        """

    static func parse(_ arguments: ArraySlice<String>) throws -> SuiteOptions {
        var options = SuiteOptions()
        var rest = arguments
        func value(_ name: String) throws -> String {
            guard let text = rest.popFirst(), !text.hasPrefix("--") else { throw BenchmarkFailure("\(name) needs a value\n\(usage)") }
            return text
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--quick": options.quick = true
            case "--out": options.out = try value(argument)
            case "--peers":
                let text = try value(argument)
                options.peers = try text == "none" ? [] : text.split(separator: ",").map { name in
                    guard let choice = Peer.Choice(rawValue: String(name)) else { throw BenchmarkFailure("unknown peer '\(name)'; expected python, fastmcp or none") }
                    return choice
                }
            case "--only":
                options.sections = try value(argument).split(separator: ",").map { name in
                    guard let section = Section(rawValue: String(name)) else { throw BenchmarkFailure("unknown section '\(name)'\n\(usage)") }
                    return section
                }
            case "--seconds":
                guard let seconds = Int(try value(argument)), seconds > 0 else { throw BenchmarkFailure("--seconds needs a whole number of seconds above 0") }
                options.seconds = seconds
            case "--harness": options.harness = try value(argument)
            case "--python": options.python = try value(argument)
            case "--no-pin": options.pin = false
            case "--quiet-wait":
                guard let seconds = Double(try value(argument)), seconds >= 0 else { throw BenchmarkFailure("--quiet-wait needs seconds") }
                options.quietWait = seconds
            case "--retries":
                guard let count = Int(try value(argument)), count >= 0 else { throw BenchmarkFailure("--retries needs a whole number") }
                options.retries = count
            default: throw BenchmarkFailure("unknown argument '\(argument)'\n\(usage)")
            }
        }
        return options
    }

    // MARK: sizes

    var warmCalls: Int { quick ? 20 : 300 }
    var sequentialCalls: Int { quick ? 200 : 5_000 }
    var pipelinedCalls: Int { quick ? 1_000 : 20_000 }
    /// Alternating rounds of the gateway section's 64-in-flight phase (one round is a fraction of a
    /// second, shorter than the machine's slow spells; the median of several is what compares).
    var gatewayRounds: Int { quick ? 1 : 9 }
    /// Calls a server has answered when its memory is read "after 100k calls".
    var soakCalls: Int { quick ? 2_000 : 100_000 }
    var sequentialLists: Int { quick ? 20 : 500 }
    var pipelinedLists: Int { quick ? 100 : 2_000 }
    var wrkSeconds: Int { seconds ?? (quick ? 1 : 5) }
    var connections: [Int] { quick ? [16] : [1, 16, 64, 256] }
    var listenStreams: [Int] { quick ? [200] : [1_000, 10_000] }
    var runConcurrency: [Int] { quick ? [4] : [1, 4, 16] }
    var quietSeconds: Double { quietWait ?? (quick ? 0 : 10) }
    var retryCount: Int { retries ?? (quick ? 0 : 1) }
    var pinning: CPUPinning { pin ? .standard : .none }
}
