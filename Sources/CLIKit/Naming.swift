/// Small helpers for spelling option names consistently.
///
/// Why: declarations and lookups accept both `"port"` and `"--port"`; normalising in one place
/// keeps every comparison and every message spelled the same way.
enum Naming {
    /// The name with any leading dashes removed.
    static func bare(_ name: String) -> String {
        String(name.drop(while: { $0 == "-" }))
    }

    /// `--name` for a long name.
    static func long(_ name: String) -> String { "--" + name }

    /// `-c` for a short name.
    static func short(_ character: Character) -> String { "-" + String(character) }

    /// `<name>` for a placeholder.
    static func placeholder(_ name: String) -> String { "<" + name + ">" }
}
