/// A command line that does not match the declared commands, with the usage of the command at fault.
///
/// Why: usage mistakes deserve a precise one-line message plus the usage line of the command
/// being parsed, and a distinct exit status (64, EX_USAGE) from runtime failures.
public struct UsageError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, e.g. `unknown option '--prot'; did you mean '--port'?`.
    public let message: String
    /// The usage line(s) of the command being parsed, starting with `usage: `.
    public let usage: String
    /// The command path being parsed when the error occurred, e.g. `["agentbridge", "keys"]`.
    let commandPath: [String]
    /// Which rule was broken, so tests need not match message wording.
    let kind: Kind

    /// The rules a command line can break.
    enum Kind: Sendable, Equatable {
        case unknownOption
        case unknownSubcommand
        case missingSubcommand
        case missingValue
        case flagWithValue
        case repeatedOption
        case missingArgument
        case unexpectedArgument
        case invalidValue
    }

    init(_ kind: Kind, message: String, usage: String, commandPath: [String]) {
        self.kind = kind
        self.message = message
        self.usage = usage
        self.commandPath = commandPath
    }

    /// The full report: `error: <message>`, the usage, and a pointer to `--help`.
    public var description: String {
        var text = "error: \(message)\n\(usage)"
        if !commandPath.isEmpty {
            text += "\nSee '\(commandPath.joined(separator: " ")) --help'."
        }
        return text
    }
}
