/// A node of the command tree: its name, documentation, arguments and nested subcommands.
///
/// Why: the whole command-line surface is described declaratively as a value, so parsing and
/// help rendering share one definition and cannot drift apart. Options and flags declared on a
/// command are also accepted after any of its subcommands (the nearest declaration wins).
/// `--help`, `-h` (unless a command in scope claims `-h`) and `--version` are built in.
public struct Command: Sendable {
    /// The word that selects this command (the executable name for the root).
    public let name: String
    /// One-line summary, shown in help and in the parent's subcommand list.
    public let abstract: String
    /// Longer free-form text shown in help below the abstract.
    public let discussion: String?
    public let options: [Option]
    public let flags: [Flag]
    public let positionals: [Positional]
    public let subcommands: [Command]

    public init(
        name: String,
        abstract: String,
        discussion: String? = nil,
        options: [Option] = [],
        flags: [Flag] = [],
        positionals: [Positional] = [],
        subcommands: [Command] = []
    ) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.options = options
        self.flags = flags
        self.positionals = positionals
        self.subcommands = subcommands
    }
}
