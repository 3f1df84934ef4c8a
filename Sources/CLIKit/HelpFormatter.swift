/// Renders usage lines and help pages from the command tree.
///
/// Why: help is derived from the same declarations the parser uses, so it is always accurate;
/// keeping the layout here (aligned two-column sections, defaults and environment variables
/// shown inline) keeps the parser itself free of presentation details.
enum HelpFormatter {
    /// Left columns wider than this put their description on the next line.
    static let maximumColumn = 30

    /// One row of a two-column section.
    struct Row {
        var left: String
        var right: String
    }

    /// The usage line(s), starting with `usage: `.
    static func usage(for chain: [Command]) -> String {
        guard let command = chain.last else { return "usage:" }
        let path = chain.map(\.name).joined(separator: " ")
        let hasOptions = chain.contains { !$0.options.isEmpty || !$0.flags.isEmpty }
        let prefix = path + (hasOptions ? " [options]" : "")
        var forms: [String] = []
        if !command.subcommands.isEmpty {
            forms.append(prefix + " <subcommand>")
        }
        if !command.positionals.isEmpty || command.subcommands.isEmpty {
            let arguments = command.positionals.map(synopsis(of:))
            forms.append(([prefix] + arguments).joined(separator: " "))
        }
        return forms.enumerated().map { index, form in
            (index == 0 ? "usage: " : "       ") + form
        }.joined(separator: "\n")
    }

    /// The full help page for the last command of `chain`.
    static func help(for chain: [Command]) -> String {
        guard let command = chain.last else { return "" }
        let scope = Scope(chain: chain)
        var blocks: [String] = [usage(for: chain)]
        if !command.abstract.isEmpty { blocks.append(command.abstract) }
        if let discussion = command.discussion, !discussion.isEmpty { blocks.append(discussion) }

        var sections: [(title: String, rows: [Row])] = []
        sections.append(("Subcommands:", command.subcommands.map { Row(left: $0.name, right: $0.abstract) }))
        sections.append(("Arguments:", command.positionals.map { Row(left: synopsis(of: $0), right: $0.help) }))
        sections.append(("Options:", command.options.map(row(for:))))
        var flagRows = command.flags.map(row(for:))
        flagRows.append(Row(left: scope.claimsShortH ? "    --help" : "-h, --help", right: "Show help for this command."))
        flagRows.append(Row(left: "    --version", right: "Show the version."))
        sections.append(("Flags:", flagRows))
        sections.append(("Inherited options:", inheritedRows(chain)))

        let visible = sections.filter { !$0.rows.isEmpty }
        let widest = visible.flatMap(\.rows).map(\.left.count).filter { $0 <= maximumColumn }.max() ?? 0
        for section in visible {
            let lines = section.rows.map { render($0, column: widest) }
            blocks.append(([section.title] + lines).joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n\n")
    }

    /// `<file>`, `[<file>]`, `<file>...` or `[<file>...]`.
    static func synopsis(of positional: Positional) -> String {
        var text = Naming.placeholder(positional.name)
        if positional.variadic { text += "..." }
        return positional.optional ? "[" + text + "]" : text
    }

    static func row(for option: Option) -> Row {
        var left = shortPrefix(option.short) + Naming.long(option.name) + " " + Naming.placeholder(option.valueName)
        if option.repeatable { left += "..." }
        var notes: [String] = []
        if option.repeatable { notes.append("repeatable") }
        if let value = option.defaultValue { notes.append("default: \(value)") }
        if let variable = option.environment { notes.append("env: \(variable)") }
        let right = notes.isEmpty ? option.help : option.help + " (" + notes.joined(separator: ", ") + ")"
        return Row(left: left, right: right)
    }

    static func row(for flag: Flag) -> Row {
        Row(left: shortPrefix(flag.short) + Naming.long(flag.name), right: flag.help)
    }

    static func shortPrefix(_ short: Character?) -> String {
        short.map { Naming.short($0) + ", " } ?? "    "
    }

    /// Options and flags of ancestors that are still visible (not shadowed by a nearer declaration).
    static func inheritedRows(_ chain: [Command]) -> [Row] {
        guard chain.count > 1, let current = chain.last else { return [] }
        var seen = Set(current.options.map(\.name) + current.flags.map(\.name))
        var rows: [Row] = []
        for ancestor in chain.dropLast().reversed() {
            for option in ancestor.options where !seen.contains(option.name) {
                seen.insert(option.name)
                rows.append(row(for: option))
            }
            for flag in ancestor.flags where !seen.contains(flag.name) {
                seen.insert(flag.name)
                rows.append(row(for: flag))
            }
        }
        return rows
    }

    /// `  left   right`, with multi-line descriptions indented under the description column.
    static func render(_ row: Row, column: Int) -> String {
        let indent = "  "
        let descriptionIndent = String(repeating: " ", count: indent.count + column + 2)
        let descriptionLines = row.right.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard !row.right.isEmpty else { return indent + row.left }
        var lines: [String] = []
        if row.left.count > column {
            lines.append(indent + row.left)
            lines += descriptionLines.map { descriptionIndent + $0 }
        } else {
            let padding = String(repeating: " ", count: column - row.left.count + 2)
            lines.append(indent + row.left + padding + descriptionLines[0])
            lines += descriptionLines.dropFirst().map { descriptionIndent + $0 }
        }
        return lines.joined(separator: "\n")
    }
}
