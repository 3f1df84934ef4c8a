/// Parses an argument list against a command tree into a `ParseOutcome` or a `UsageError`.
///
/// Why: AgentBridge has no package dependencies, so it carries its own small parser. Parsing is
/// a pure function of the arguments and the environment (no printing, no exiting); `CLI` adds
/// the process-level behaviour on top.
public struct ArgumentParser: Sendable {
    let root: Command
    let version: String
    /// Environment used for `Option.environment`; `nil` reads the process environment at parse time.
    let environment: [String: String]?

    public init(root: Command, version: String) {
        self.init(root: root, version: version, environment: nil)
    }

    /// Test seam: parse against a fixed environment instead of the process's.
    init(root: Command, version: String, environment: [String: String]?) {
        self.root = root
        self.version = version
        self.environment = environment
    }

    /// Parses `arguments`, which must not include the executable name (`argv[0]`).
    public func parse(_ arguments: [String]) throws(UsageError) -> ParseOutcome {
        var session = ParseSession(
            root: root, version: version, arguments: arguments,
            environment: environment ?? ProcessEnvironment.current())
        do {
            return try session.run()
        } catch {
            if let request = session.pendingRequest() { return request }
            throw error
        }
    }

    /// Help for the command at `commandPath`, e.g. `["agentbridge", "keys"]`; the root's name may be
    /// omitted. Resolution stops at the deepest name that matches a subcommand.
    public func helpText(for commandPath: [String]) -> String {
        var names = commandPath[...]
        if names.first == root.name { names = names.dropFirst() }
        var chain = [root]
        for name in names {
            guard let next = chain[chain.count - 1].subcommands.first(where: { $0.name == name }) else { break }
            chain.append(next)
        }
        return HelpFormatter.help(for: chain)
    }
}
