/// A named option that carries a value: `--port 8080`, `--port=8080`, `-p 8080` or `-p8080`.
///
/// Why: commands take their settings through options; declaring each one as a value lets the
/// parser validate input, suggest corrections for typos and render help from a single source.
/// When the option is absent, `environment` (if set and non-empty) is consulted before `defaultValue`.
public struct Option: Sendable {
    /// The long name without leading dashes (`"port"` for `--port`).
    public let name: String
    /// The optional one-letter alias (`p` for `-p`).
    public let short: Character?
    /// The placeholder shown in help (`--port <port>`).
    public let valueName: String
    /// One-line description shown in help.
    public let help: String
    /// Value used when the option is absent from the command line and from the environment.
    public let defaultValue: String?
    /// Whether the option may be given more than once; `ParsedArguments.values(_:)` returns them in order.
    public let repeatable: Bool
    /// Environment variable consulted when the option is absent (before `defaultValue`).
    public let environment: String?

    public init(
        _ name: String,
        short: Character? = nil,
        valueName: String = "value",
        help: String,
        defaultValue: String? = nil,
        repeatable: Bool = false,
        environment: String? = nil
    ) {
        self.name = Naming.bare(name)
        self.short = short
        self.valueName = valueName
        self.help = help
        self.defaultValue = defaultValue
        self.repeatable = repeatable
        self.environment = environment
    }
}
