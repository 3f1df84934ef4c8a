/// The process entry point: parse `CommandLine.arguments`, print help, version or errors, run, exit.
///
/// Why: every executable should report usage errors the same way (stderr, exit 64 = EX_USAGE)
/// and runtime failures the same way (stderr, exit 1). The decisions are made by `outcome`,
/// which returns what to print and the exit status, so they are tested without exiting.
import Foundation

public enum CLI {
    /// What the process should print and which status it should exit with.
    struct Termination: Sendable, Equatable {
        var exitCode: Int32
        var stdout: String = ""
        var stderr: String = ""
    }

    /// The next step after parsing: finish immediately, or run the command.
    enum Step: Sendable {
        case finish(Termination)
        case run(ParsedArguments)
    }

    /// Parses CommandLine.arguments.dropFirst(); help → stdout, exit 0; version → stdout, exit 0;
    /// UsageError → "error: <message>\n<usage>\nSee '<path> --help'." to stderr, exit 64 (EX_USAGE);
    /// otherwise awaits `run` and exits with its return value. A thrown error from run → "error: …" on stderr, exit 1.
    /// A `UsageError` thrown from `run` (for example by `ParsedArguments.int`) is reported like a parse error, exit 64.
    public static func main(
        root: Command,
        version: String,
        arguments: [String] = Array(CommandLine.arguments.dropFirst()),
        run: @Sendable (ParsedArguments) async throws -> Int32
    ) async -> Never {
        let parser = ArgumentParser(root: root, version: version)
        let termination = await outcome(parser: parser, arguments: arguments, run: run)
        write(termination.stdout, to: FileHandle.standardOutput)
        write(termination.stderr, to: FileHandle.standardError)
        exit(termination.exitCode)
    }

    /// The exit status for usage errors (EX_USAGE from sysexits.h).
    static let usageExitCode: Int32 = 64

    /// Parsing, and what to print and return if the command should not run.
    static func resolve(parser: ArgumentParser, arguments: [String]) -> Step {
        do {
            switch try parser.parse(arguments) {
            case .help(let text): return .finish(Termination(exitCode: 0, stdout: text + "\n"))
            case .version(let text): return .finish(Termination(exitCode: 0, stdout: text + "\n"))
            case .run(let parsed): return .run(parsed)
            }
        } catch {
            return .finish(usageFailure(error))
        }
    }

    /// Everything `main` does except writing and exiting.
    static func outcome(
        parser: ArgumentParser,
        arguments: [String],
        run: @Sendable (ParsedArguments) async throws -> Int32
    ) async -> Termination {
        switch resolve(parser: parser, arguments: arguments) {
        case .finish(let termination):
            return termination
        case .run(let parsed):
            do {
                return Termination(exitCode: try await run(parsed))
            } catch let error as UsageError {
                return usageFailure(error)
            } catch {
                return Termination(exitCode: 1, stderr: "error: \(error)\n")
            }
        }
    }

    static func usageFailure(_ error: UsageError) -> Termination {
        Termination(exitCode: usageExitCode, stderr: error.description + "\n")
    }

    private static func write(_ text: String, to handle: FileHandle) {
        guard !text.isEmpty else { return }
        handle.write(Data(text.utf8))
    }
}
