/// An argument identified by its position rather than by a name on the command line.
///
/// Why: positionals are matched in declaration order after options are removed; marking them
/// optional or variadic tells the parser how many tokens each may take, so missing or extra
/// arguments are reported precisely instead of being silently dropped.
public struct Positional: Sendable {
    /// The name used to look the value up and shown in help as `<name>`.
    public let name: String
    /// One-line description shown in help.
    public let help: String
    /// Whether the argument may be omitted.
    public let optional: Bool
    /// Whether the argument takes every remaining token (one or more, or zero or more if optional).
    public let variadic: Bool

    public init(_ name: String, help: String, optional: Bool = false, variadic: Bool = false) {
        self.name = name
        self.help = help
        self.optional = optional
        self.variadic = variadic
    }
}
