/// The result of a successful parse: which command was selected and what it was given.
///
/// Why: commands read their inputs by name rather than by position in `argv`; resolving the
/// fallbacks here (last given value, then environment, then default) gives every caller the
/// same precedence, and the typed `int` accessors report bad numbers as usage errors.
public struct ParsedArguments: Sendable {
    /// The names of the selected command and its ancestors, e.g. `["agentbridge", "stdio"]`.
    public let commandPath: [String]

    /// Options visible to the selected command, by name.
    let options: [String: Option]
    /// Values given on the command line, by option name, in order.
    let givenValues: [String: [String]]
    /// Names of the flags that were given.
    let givenFlags: Set<String>
    /// Tokens assigned to each positional, by name.
    let positionalValues: [String: [String]]
    /// Non-empty values of the environment variables named by the visible options.
    let environment: [String: String]
    /// Usage of the selected command, for errors raised after parsing.
    let usage: String

    init(
        commandPath: [String],
        options: [String: Option],
        givenValues: [String: [String]],
        givenFlags: Set<String>,
        positionalValues: [String: [String]],
        environment: [String: String],
        usage: String
    ) {
        self.commandPath = commandPath
        self.options = options
        self.givenValues = givenValues
        self.givenFlags = givenFlags
        self.positionalValues = positionalValues
        self.environment = environment
        self.usage = usage
    }

    /// The last value given for option `name`, else its environment variable, else its default.
    public func value(_ name: String) -> String? {
        resolved(Naming.bare(name))?.value
    }

    /// Every value given for option `name`, in order; if none was given, the environment
    /// variable or default value as a single element; otherwise empty.
    public func values(_ name: String) -> [String] {
        let name = Naming.bare(name)
        if let given = givenValues[name], !given.isEmpty { return given }
        return resolved(name).map { [$0.value] } ?? []
    }

    /// Whether flag `name` was given.
    public func flag(_ name: String) -> Bool {
        givenFlags.contains(Naming.bare(name))
    }

    /// The token given for positional `name`, if any (the first one for a variadic positional).
    public func positional(_ name: String) -> String? {
        positionalValues[name]?.first
    }

    /// Every token given for variadic positional `name`, in order.
    public func positionals(_ name: String) -> [String] {
        positionalValues[name] ?? []
    }

    /// The value of option (or, failing that, positional) `name` as an integer; `nil` if absent.
    /// Throws a `UsageError` naming the option and the offending text if it is not an integer.
    public func int(_ name: String) throws(UsageError) -> Int? {
        guard let (text, subject) = lookup(name) else { return nil }
        guard let number = Int(text) else {
            throw error(.invalidValue, "invalid value '\(text)' for \(subject): expected an integer")
        }
        return number
    }

    /// Like `int(_:)`, and also throws a `UsageError` if the integer lies outside `range`.
    public func int(_ name: String, in range: ClosedRange<Int>) throws(UsageError) -> Int? {
        guard let number = try int(name) else { return nil }
        guard range.contains(number) else {
            let (text, subject) = lookup(name)!
            throw error(.invalidValue, 
                "invalid value '\(text)' for \(subject): must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return number
    }

    /// The value of option `name` as a duration written in seconds, with an optional fraction
    /// ("30", "0.25"); `nil` if absent. Throws a `UsageError` naming the option when the text is
    /// not a plain decimal number (no sign, exponent, `inf` or `nan`) or lies outside `range`.
    public func seconds(_ name: String, in range: ClosedRange<Double>) throws(UsageError) -> Duration? {
        guard let (text, subject) = lookup(name) else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let plain = !text.isEmpty && parts.allSatisfy { $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
            && !parts[0].isEmpty && (parts.count == 1 || !parts[1].isEmpty)
        guard plain, let value = Double(text) else {
            throw error(.invalidValue, "invalid value '\(text)' for \(subject): expected seconds, such as 30 or 0.5")
        }
        guard range.contains(value) else {
            throw error(.invalidValue,
                "invalid value '\(text)' for \(subject): must be between \(Self.format(range.lowerBound)) and \(Self.format(range.upperBound)) seconds")
        }
        return .nanoseconds(Int64((value * 1e9).rounded()))
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int64(value)) : String(value)
    }

    /// Where an option's effective value came from.
    enum Source {
        case commandLine, environment(String), defaultValue
    }

    func resolved(_ name: String) -> (value: String, source: Source)? {
        if let last = givenValues[name]?.last { return (last, .commandLine) }
        guard let option = options[name] else { return nil }
        if let variable = option.environment, let value = environment[variable] {
            return (value, .environment(variable))
        }
        if let value = option.defaultValue { return (value, .defaultValue) }
        return nil
    }

    /// The effective text for `name` and a phrase naming where it came from.
    func lookup(_ name: String) -> (text: String, subject: String)? {
        let bare = Naming.bare(name)
        if let (value, source) = resolved(bare) {
            switch source {
            case .commandLine: return (value, "option '\(Naming.long(bare))'")
            case .environment(let variable):
                return (value, "option '\(Naming.long(bare))' (from environment variable \(variable))")
            case .defaultValue: return (value, "option '\(Naming.long(bare))' (default value)")
            }
        }
        if options[bare] == nil, let value = positional(name) {
            return (value, "argument '\(Naming.placeholder(name))'")
        }
        return nil
    }

    func error(_ kind: UsageError.Kind, _ message: String) -> UsageError {
        UsageError(kind, message: message, usage: usage, commandPath: commandPath)
    }
}

extension ParsedArguments {
    /// A usage error about a value that parsed but makes no sense (an unknown `--transport`, a
    /// file that does not exist), reported like every other usage error: exit 64 with the usage.
    public func usageError(_ message: String) -> UsageError {
        UsageError(.invalidValue, message: message, usage: usage, commandPath: commandPath)
    }
}
