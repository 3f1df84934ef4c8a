/// A representative command tree and parsing helpers shared by the CLIKit tests.
///
/// Why: every rule is exercised against the same realistic tree (nested subcommands, inherited
/// options, optional and variadic positionals), and the helpers keep each test to its point.
@testable import CLIKit
import Testing

enum Fixture {
    static let version = "1.2.3"

    static let root = Command(
        name: "agentbridge",
        abstract: "An agent platform served over the Model Context Protocol.",
        discussion: "Run a subcommand to start a server or manage keys.",
        options: [
            Option("config", short: "c", valueName: "path", help: "Configuration file.", environment: "AGENTBRIDGE_CONFIG")
        ],
        flags: [
            Flag("verbose", short: "v", help: "Log more detail."),
            Flag("quiet", short: "q", help: "Log only errors."),
        ],
        subcommands: [
            Command(name: "stdio", abstract: "Serve MCP over standard input and output."),
            Command(
                name: "serve",
                abstract: "Serve MCP over HTTP.",
                options: [
                    Option(
                        "port", short: "p", valueName: "port", help: "Port to listen on.",
                        defaultValue: "8080", environment: "AGENTBRIDGE_PORT"),
                    Option("host", valueName: "address", help: "Address to bind.", defaultValue: "127.0.0.1"),
                    Option("allow-origin", valueName: "origin", help: "Allowed browser origin.", repeatable: true),
                    Option("offset", help: "A signed number."),
                ],
                flags: [Flag("tls", short: "t", help: "Serve HTTPS.")]),
            Command(
                name: "keys",
                abstract: "Manage API keys.",
                subcommands: [
                    Command(
                        name: "create",
                        abstract: "Create a key.",
                        options: [
                            Option("name", short: "n", valueName: "name", help: "Key name."),
                            Option("scope", valueName: "scope", help: "Granted scope.", repeatable: true),
                        ],
                        flags: [Flag("force", short: "f", help: "Replace an existing key.")]),
                    Command(name: "list", abstract: "List keys."),
                    Command(
                        name: "revoke",
                        abstract: "Revoke keys.",
                        positionals: [Positional("ids", help: "Key identifiers.", variadic: true)]),
                ]),
            Command(
                name: "copy",
                abstract: "Copy a file.",
                positionals: [
                    Positional("source", help: "File to read."),
                    Positional("destination", help: "File to write.", optional: true),
                ]),
            Command(
                name: "exec",
                abstract: "Run a program.",
                positionals: [
                    Positional("program", help: "Program to run."),
                    Positional("arguments", help: "Its arguments.", optional: true, variadic: true),
                ]),
            Command(
                name: "head",
                abstract: "Show the first lines.",
                positionals: [
                    Positional("count", help: "Number of lines.", optional: true),
                    Positional("file", help: "File to read."),
                ]),
            Command(
                name: "tool",
                abstract: "Run a tool or a named plugin.",
                positionals: [Positional("plugin", help: "Plugin name.", optional: true)],
                subcommands: [Command(name: "lint", abstract: "Lint the configuration.")]),
            Command(
                name: "remote",
                abstract: "Talk to a remote host.",
                options: [Option("host", short: "h", valueName: "address", help: "Remote address.")]),
        ])

    static func parser(environment: [String: String] = [:]) -> ArgumentParser {
        ArgumentParser(root: root, version: version, environment: environment)
    }
}

/// Thrown by the helpers after recording an issue, to stop the test.
struct UnexpectedOutcome: Error {}

/// Parses `arguments` and requires the command to run.
func parsed(
    _ arguments: [String], environment: [String: String] = [:],
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> ParsedArguments {
    let outcome: ParseOutcome
    do {
        outcome = try Fixture.parser(environment: environment).parse(arguments)
    } catch {
        Issue.record("expected a run, got error: \(error.message)", sourceLocation: sourceLocation)
        throw UnexpectedOutcome()
    }
    guard case .run(let result) = outcome else {
        Issue.record("expected a run, got \(outcome)", sourceLocation: sourceLocation)
        throw UnexpectedOutcome()
    }
    return result
}

/// Parses `arguments` and requires a usage error.
func usageError(
    _ arguments: [String], environment: [String: String] = [:],
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> UsageError {
    let outcome: ParseOutcome
    do {
        outcome = try Fixture.parser(environment: environment).parse(arguments)
    } catch {
        return error
    }
    Issue.record("expected a usage error, got \(outcome)", sourceLocation: sourceLocation)
    throw UnexpectedOutcome()
}

/// Parses `arguments` and requires a help request; returns the help text.
func helpRequest(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let outcome: ParseOutcome
    do {
        outcome = try Fixture.parser().parse(arguments)
    } catch {
        Issue.record("expected help, got error: \(error.message)", sourceLocation: sourceLocation)
        throw UnexpectedOutcome()
    }
    guard case .help(let text) = outcome else {
        Issue.record("expected help, got \(outcome)", sourceLocation: sourceLocation)
        throw UnexpectedOutcome()
    }
    return text
}

/// Help text for a command path, straight from the parser.
func help(_ path: [String]) -> String {
    Fixture.parser().helpText(for: path)
}
