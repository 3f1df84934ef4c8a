/// Process-level behaviour of `CLI.main`: what goes to stdout and stderr, and the exit status.
///
/// Why: `main` exits the process, so its decisions are tested through `CLI.outcome`, which it
/// uses to decide what to print and which status to exit with.
@testable import CLIKit
import Testing

@Suite("CLI exit behaviour")
struct CLITests {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "disk full" }
    }

    func outcome(
        _ arguments: [String],
        run: @Sendable (ParsedArguments) async throws -> Int32 = { _ in 0 }
    ) async -> CLI.Termination {
        await CLI.outcome(parser: Fixture.parser(), arguments: arguments, run: run)
    }

    @Test("Help goes to stdout and exits 0 without running the command")
    func help() async {
        let result = await outcome(["keys", "--help"]) { _ in
            Issue.record("run must not be called")
            return 9
        }
        #expect(result.exitCode == 0)
        #expect(result.stdout == Fixture.parser().helpText(for: ["agentbridge", "keys"]) + "\n")
        #expect(result.stderr.isEmpty)
    }

    @Test("Version goes to stdout and exits 0")
    func version() async {
        let result = await outcome(["--version"])
        #expect(result == CLI.Termination(exitCode: 0, stdout: "1.2.3\n", stderr: ""))
    }

    @Test("A usage error goes to stderr with usage and a help pointer and exits 64")
    func usageError() async {
        let result = await outcome(["serve", "--prot", "1"]) { _ in
            Issue.record("run must not be called")
            return 0
        }
        #expect(result.exitCode == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("error: unknown option '--prot'"))
        #expect(result.stderr.contains("\nusage: agentbridge serve"))
        #expect(result.stderr.hasSuffix("\nSee 'agentbridge serve --help'.\n"))
    }

    @Test("A missing subcommand exits 64")
    func missingSubcommand() async {
        let result = await outcome([])
        #expect(result.exitCode == 64)
        #expect(result.stderr.contains("missing subcommand"))
    }

    @Test("The command runs with the parsed arguments and its return value is the exit status")
    func runExitCode() async {
        let result = await outcome(["serve", "--port", "9"]) { arguments in
            #expect(arguments.commandPath == ["agentbridge", "serve"])
            return try Int32(arguments.int("port") ?? 0)
        }
        #expect(result == CLI.Termination(exitCode: 9, stdout: "", stderr: ""))
    }

    @Test("An error thrown by the command goes to stderr and exits 1")
    func runThrows() async {
        let result = await outcome(["stdio"]) { _ in throw Failure() }
        #expect(result == CLI.Termination(exitCode: 1, stdout: "", stderr: "error: disk full\n"))
    }

    @Test("A usage error thrown by the command is reported like a parse error and exits 64")
    func runThrowsUsageError() async {
        let result = await outcome(["serve", "--port", "http"]) { arguments in
            _ = try arguments.int("port", in: 1...65535)
            return 0
        }
        #expect(result.exitCode == 64)
        #expect(result.stderr.hasPrefix("error: invalid value 'http'"))
        #expect(result.stderr.hasSuffix("See 'agentbridge serve --help'.\n"))
    }

    @Test("Resolving arguments that should run yields the parsed arguments")
    func resolveRun() {
        guard case .run(let parsed) = CLI.resolve(parser: Fixture.parser(), arguments: ["stdio", "-v"]) else {
            Issue.record("expected run")
            return
        }
        #expect(parsed.flag("verbose"))
    }
}
