/// What a successful parse asks the program to do.
///
/// Why: `--help` and `--version` are not errors but must not run the command either; returning
/// them as outcomes keeps `ArgumentParser.parse` free of printing and exiting, hence testable.
public enum ParseOutcome: Sendable {
    /// Run the selected command with these arguments.
    case run(ParsedArguments)
    /// Print this help text to standard output and exit successfully.
    case help(String)
    /// Print this version string to standard output and exit successfully.
    case version(String)
}
