/// The options and flags visible at one point of the command tree.
///
/// Why: options declared on a command stay valid after its subcommands (`agentbridge --config x
/// keys list` and `agentbridge keys list --config x` mean the same), so name lookups walk the
/// chain from the deepest command outwards; the nearest declaration wins.
struct Scope {
    /// A declaration found by name.
    enum Named {
        case option(Option)
        case flag(Flag)
    }

    /// The commands from the root down to the current one.
    let chain: [Command]

    /// The option or flag spelled `--name`, searching the deepest command first.
    func named(_ name: String) -> Named? {
        for command in chain.reversed() {
            if let option = command.options.first(where: { $0.name == name }) { return .option(option) }
            if let flag = command.flags.first(where: { $0.name == name }) { return .flag(flag) }
        }
        return nil
    }

    /// The option or flag spelled `-c`, searching the deepest command first.
    func short(_ character: Character) -> Named? {
        for command in chain.reversed() {
            if let option = command.options.first(where: { $0.short == character }) { return .option(option) }
            if let flag = command.flags.first(where: { $0.short == character }) { return .flag(flag) }
        }
        return nil
    }

    /// Whether a declared option or flag uses `-h`, which then no longer means help.
    var claimsShortH: Bool { short("h") != nil }

    /// Whether `-<digit>` is declared anywhere in scope, so negative numbers cannot be told apart.
    var claimsDigitShorts: Bool {
        chain.contains { command in
            command.options.contains { $0.short?.isNumber == true }
                || command.flags.contains { $0.short?.isNumber == true }
        }
    }

    /// Every long name that would be accepted here, built-ins included, for suggestions.
    var longNames: [String] {
        var names: [String] = []
        for command in chain.reversed() {
            names += command.options.map(\.name)
            names += command.flags.map(\.name)
        }
        return names + ["help", "version"]
    }

    /// The visible options by name, the nearest declaration winning.
    var options: [String: Option] {
        var result: [String: Option] = [:]
        for command in chain {
            for option in command.options { result[option.name] = option }
        }
        return result
    }
}
