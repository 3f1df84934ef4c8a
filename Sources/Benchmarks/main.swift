#if canImport(Glibc)
import Glibc
#endif

/// `agentbridge-bench`: micro-benchmarks of AgentBridge's hot primitives and the end-to-end suite,
/// printed as Markdown.
///
///     agentbridge-bench json   [--seconds S]   our JSON parser/writer vs Foundation (default)
///     agentbridge-bench sha256 [--seconds S]   Hashing.SHA256 throughput over 64 MiB
///     agentbridge-bench platform [--seconds S] API key verification and event appends on a real SQLite file
///     agentbridge-bench messages               print the two sample messages, one per line
///     agentbridge-bench suite [options]        end-to-end: our servers against the peers and the ceilings
///
/// Build it in release mode (`swift build -c release`: the suite runs the release binaries next
/// to it); it is not part of `swift test`.
let usage = """
    usage: agentbridge-bench [json|sha256|platform|all|messages] [--seconds S]
           agentbridge-bench suite [--quick] [--out FILE.md] [--peers python,fastmcp|none] [--seconds S] (suite --help)
      json     AgentBridge JSONParser/JSONWriter vs Foundation JSONSerialization, JSONDecoder, JSONEncoder
      sha256   Hashing.SHA256 throughput over a 64 MiB buffer
      platform API key verification/s and event appends/s (single and batched) on a real SQLite file
      all      all three
      messages print the two sample JSON-RPC messages the json benchmark uses, one per line
      --seconds S   timed seconds per row after the warm-up (default 1)
      suite    stdio, HTTP, listen fan-out, gateway hop and run_agent against the Python SDK, FastMCP and the machine's ceilings
    """

func fail(_ message: String, code: Int32) -> Never {
    let text = message + "\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    exit(code)
}

if CommandLine.arguments.dropFirst().first == "suite" {
    if CommandLine.arguments.contains("-h") || CommandLine.arguments.contains("--help") {
        print(SuiteOptions.usage)
        exit(0)
    }
    do {
        try SuiteCommand.run(try SuiteOptions.parse(CommandLine.arguments.dropFirst(2)))
        exit(0)
    } catch {
        fail("agentbridge-bench suite: \(error)", code: 1)
    }
}

var command = "json"
var seconds = 1.0
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "json", "sha256", "platform", "all", "messages": command = argument
    case "--seconds":
        guard let text = arguments.popFirst(), let value = Double(text), value > 0 else {
            fail("--seconds needs a positive number\n\(usage)", code: 2)
        }
        seconds = value
    case "-h", "--help":
        print(usage)
        exit(0)
    default:
        fail("unknown argument '\(argument)'\n\(usage)", code: 2)
    }
}

do {
    if command == "messages" {
        for message in [SampleMessages.toolsCall(), SampleMessages.toolsList()] {
            print(String(decoding: message.bytes, as: UTF8.self))
        }
    }
    if command == "json" || command == "all" { try JSONCommand.run(seconds: seconds) }
    if command == "all" { print("") }
    if command == "sha256" || command == "all" { try SHA256Command.run(seconds: seconds) }
    if command == "all" { print("") }
    if command == "platform" || command == "all" { try PlatformCommand.run(seconds: seconds) }
} catch {
    fail("agentbridge-bench: \(error)", code: 1)
}
