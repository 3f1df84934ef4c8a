/// One left-to-right pass over the arguments, descending into subcommands as they are named.
///
/// Why: the parser's rules interact (an option's value may look like an option, `--` switches
/// tokens to positionals, a subcommand name is only recognised before the command's own
/// positionals), so they are applied by a single small state machine rather than spread out.
struct ParseSession {
    let version: String
    let arguments: [String]
    let environment: [String: String]

    /// The commands named so far, root first.
    private(set) var chain: [Command]
    /// Index of the next argument to read.
    private(set) var index = 0
    /// Whether `--` has been seen.
    private(set) var optionsEnded = false
    private var givenValues: [String: [String]] = [:]
    private var givenFlags: Set<String> = []
    private var positionalTokens: [String] = []

    init(root: Command, version: String, arguments: [String], environment: [String: String]) {
        self.chain = [root]
        self.version = version
        self.arguments = arguments
        self.environment = environment
    }

    var scope: Scope { Scope(chain: chain) }
    var current: Command { chain[chain.count - 1] }

    /// Parses every argument; help and version requests end the pass early.
    mutating func run() throws(UsageError) -> ParseOutcome {
        while index < arguments.count {
            let token = arguments[index]
            index += 1
            if optionsEnded {
                positionalTokens.append(token)
            } else if token == "--" {
                optionsEnded = true
            } else if token.hasPrefix("--") {
                if let outcome = try readLong(token) { return outcome }
            } else if isShortOptionToken(token) {
                if let outcome = try readShort(token) { return outcome }
            } else {
                try readWord(token)
            }
        }
        return .run(try finish())
    }

    /// After a usage error: the help or version request among the unread arguments, if any, so
    /// that `--help` anywhere wins over mistakes made before it.
    func pendingRequest() -> ParseOutcome? {
        guard !optionsEnded else { return nil }
        for token in arguments[min(index, arguments.count)...] {
            if token == "--" { return nil }
            if token == "--help" || (token == "-h" && !scope.claimsShortH) {
                return .help(HelpFormatter.help(for: chain))
            }
            if token == "--version" { return .version(version) }
        }
        return nil
    }

    // MARK: - Tokens

    private func isShortOptionToken(_ token: String) -> Bool {
        guard token.hasPrefix("-"), token.count > 1 else { return false }
        return !(Self.isNegativeNumber(token) && !scope.claimsDigitShorts)
    }

    private static func isNegativeNumber(_ token: String) -> Bool {
        let rest = token.dropFirst()
        return token.hasPrefix("-") && rest.first?.isNumber == true && Double(rest) != nil
    }

    /// `--name`, `--name=value` or `--name value`.
    private mutating func readLong(_ token: String) throws(UsageError) -> ParseOutcome? {
        let body = token.dropFirst(2)
        let name: String
        let inline: String?
        if let equals = body.firstIndex(of: "=") {
            name = String(body[..<equals])
            inline = String(body[body.index(after: equals)...])
        } else {
            name = String(body)
            inline = nil
        }
        if name == "help" { return .help(HelpFormatter.help(for: chain)) }
        if name == "version" { return .version(version) }
        switch scope.named(name) {
        case .flag(let flag):
            guard inline == nil else {
                throw failure(.flagWithValue, "flag '\(Naming.long(flag.name))' does not take a value")
            }
            givenFlags.insert(flag.name)
        case .option(let option):
            let value: String
            if let inline {
                value = inline
            } else {
                value = try nextValue(for: Naming.long(option.name))
            }
            try record(value, for: option)
        case nil:
            var message = "unknown option '\(Naming.long(name))'"
            if let guess = Suggestion.closest(to: name, among: scope.longNames) {
                message += "; did you mean '\(Naming.long(guess))'?"
            }
            throw failure(.unknownOption, message)
        }
        return nil
    }

    /// `-v`, bundled flags `-vq`, `-p value`, `-p=value`, `-pvalue`, or flags then an option `-vp value`.
    private mutating func readShort(_ token: String) throws(UsageError) -> ParseOutcome? {
        let letters = Array(token.dropFirst())
        var position = 0
        while position < letters.count {
            let letter = letters[position]
            position += 1
            switch scope.short(letter) {
            case .flag(let flag):
                if position < letters.count, letters[position] == "=" {
                    throw failure(.flagWithValue, "flag '\(Naming.short(letter))' does not take a value")
                }
                givenFlags.insert(flag.name)
            case .option(let option):
                var rest = String(letters[position...])
                if rest.hasPrefix("=") { rest.removeFirst() }
                let value: String
                if position < letters.count {
                    value = rest
                } else {
                    value = try nextValue(for: Naming.short(letter))
                }
                try record(value, for: option)
                return nil
            case nil:
                if letter == "h" { return .help(HelpFormatter.help(for: chain)) }
                var message = "unknown option '\(Naming.short(letter))'"
                if letters.count > 1 { message += " in '\(token)'" }
                let long = String(letters)
                if letters.count > 1, scope.named(long) != nil || long == "help" || long == "version" {
                    message += "; did you mean '\(Naming.long(long))'?"
                }
                throw failure(.unknownOption, message)
            }
        }
        return nil
    }

    /// A word that is not an option: a subcommand name or a positional.
    private mutating func readWord(_ token: String) throws(UsageError) {
        let command = current
        if !command.subcommands.isEmpty, positionalTokens.isEmpty {
            if let subcommand = command.subcommands.first(where: { $0.name == token }) {
                chain.append(subcommand)
                return
            }
            if command.positionals.isEmpty {
                var message = "unknown subcommand '\(token)'"
                if let guess = Suggestion.closest(to: token, among: command.subcommands.map(\.name)) {
                    message += "; did you mean '\(guess)'?"
                }
                throw failure(.unknownSubcommand, message)
            }
        }
        positionalTokens.append(token)
    }

    /// The argument after an option, unless it is missing or is itself an option.
    private mutating func nextValue(for spelled: String) throws(UsageError) -> String {
        if index < arguments.count {
            let next = arguments[index]
            if !next.hasPrefix("-") || next == "-" || Self.isNegativeNumber(next) {
                index += 1
                return next
            }
        }
        throw failure(.missingValue, "missing value for option '\(spelled)'")
    }

    private mutating func record(_ value: String, for option: Option) throws(UsageError) {
        if !option.repeatable, givenValues[option.name] != nil {
            throw failure(.repeatedOption, "option '\(Naming.long(option.name))' was given more than once")
        }
        givenValues[option.name, default: []].append(value)
    }

    // MARK: - End of input

    /// Checks the subcommand and positionals and builds the result.
    private func finish() throws(UsageError) -> ParsedArguments {
        let command = current
        if !command.subcommands.isEmpty, command.positionals.isEmpty, positionalTokens.isEmpty {
            let names = command.subcommands.map(\.name).joined(separator: ", ")
            throw failure(.missingSubcommand, "missing subcommand; expected one of: \(names)")
        }
        let assigned = try assignPositionals()
        var relevantEnvironment: [String: String] = [:]
        let options = scope.options
        for option in options.values {
            if let variable = option.environment, let value = environment[variable], !value.isEmpty {
                relevantEnvironment[variable] = value
            }
        }
        return ParsedArguments(
            commandPath: chain.map(\.name),
            options: options,
            givenValues: givenValues,
            givenFlags: givenFlags,
            positionalValues: assigned,
            environment: relevantEnvironment,
            usage: HelpFormatter.usage(for: chain))
    }

    /// Distributes the positional tokens in declaration order: required ones first get a token
    /// each, optional ones take one only if enough remain, a variadic one takes the surplus.
    private func assignPositionals() throws(UsageError) -> [String: [String]] {
        let declared = current.positionals
        var remaining = positionalTokens[...]
        var assigned: [String: [String]] = [:]
        for (offset, positional) in declared.enumerated() {
            let requiredAfter = declared[(offset + 1)...].filter { !$0.optional }.count
            let spare = max(0, remaining.count - requiredAfter)
            let take: Int
            if positional.variadic {
                take = spare
            } else if positional.optional {
                take = min(1, spare)
            } else {
                take = min(1, remaining.count)
            }
            if take == 0, !positional.optional {
                throw failure(.missingArgument, "missing required argument '\(Naming.placeholder(positional.name))'")
            }
            if take > 0 { assigned[positional.name] = Array(remaining.prefix(take)) }
            remaining = remaining.dropFirst(take)
        }
        if let extra = remaining.first {
            throw failure(.unexpectedArgument, "unexpected argument '\(extra)'")
        }
        return assigned
    }

    private func failure(_ kind: UsageError.Kind, _ message: String) -> UsageError {
        UsageError(kind, message: message, usage: HelpFormatter.usage(for: chain), commandPath: chain.map(\.name))
    }
}
