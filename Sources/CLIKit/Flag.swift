/// A boolean switch that is either present or absent: `--verbose`, `-v`, or bundled as `-vq`.
///
/// Why: flags are kept apart from `Option` so the parser can reject a value given to a flag
/// (`--verbose=x`) and allow short flags to be bundled, neither of which makes sense for options.
public struct Flag: Sendable {
    /// The long name without leading dashes (`"verbose"` for `--verbose`).
    public let name: String
    /// The optional one-letter alias (`v` for `-v`).
    public let short: Character?
    /// One-line description shown in help.
    public let help: String

    public init(_ name: String, short: Character? = nil, help: String) {
        self.name = Naming.bare(name)
        self.short = short
        self.help = help
    }
}
