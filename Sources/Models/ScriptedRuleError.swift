/// Why a scripted rule list was refused: one `path: problem` line per problem found.
public struct ScriptedRuleError: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [String]

    public init(problems: [String]) {
        self.problems = problems
    }

    public var description: String {
        "invalid scripted rules: " + problems.joined(separator: "; ")
    }
}
