/// Subcommands: nesting, the command path, and errors for missing or unknown subcommands.
///
/// Why: the agentbridge executable is a tree of subcommands; selecting the right node is the
/// first thing every invocation depends on.
@testable import CLIKit
import Testing

@Suite("Subcommands")
struct SubcommandTests {
    @Test("The command path names the root and each selected subcommand")
    func commandPath() throws {
        #expect(try parsed(["stdio"]).commandPath == ["agentbridge", "stdio"])
    }

    @Test("Subcommands nest and their options are parsed at the deepest level")
    func nested() throws {
        let result = try parsed(["keys", "create", "--name", "x"])
        #expect(result.commandPath == ["agentbridge", "keys", "create"])
        #expect(result.value("name") == "x")
    }

    @Test("Root options and flags may precede the subcommand")
    func optionsBeforeSubcommand() throws {
        let result = try parsed(["-v", "--config", "c.json", "keys", "create", "-fn", "x"])
        #expect(result.commandPath == ["agentbridge", "keys", "create"])
        #expect(result.flag("verbose"))
        #expect(result.flag("force"))
        #expect(result.value("config") == "c.json")
        #expect(result.value("name") == "x")
    }

    @Test("A command with subcommands and no positionals requires a subcommand instead of showing help")
    func missingSubcommand() throws {
        let error = try usageError([])
        #expect(error.kind == .missingSubcommand)
        #expect(error.message.contains("missing subcommand"))
        for name in ["stdio", "serve", "keys"] {
            #expect(error.message.contains(name))
        }
        let nested = try usageError(["keys"])
        #expect(nested.kind == .missingSubcommand)
        #expect(nested.message.contains("create"))
        #expect(nested.message.contains("revoke"))
        #expect(nested.commandPath == ["agentbridge", "keys"])
    }

    @Test("An unknown subcommand is a usage error with a suggestion when it is a near miss")
    func unknownSubcommandWithSuggestion() throws {
        let error = try usageError(["keys", "crate"])
        #expect(error.kind == .unknownSubcommand)
        #expect(error.message.contains("unknown subcommand 'crate'"))
        #expect(error.message.contains("did you mean 'create'?"))
    }

    @Test("An unknown subcommand far from every name gets no suggestion")
    func unknownSubcommandWithoutSuggestion() throws {
        let error = try usageError(["frobnicate"])
        #expect(error.kind == .unknownSubcommand)
        #expect(!error.message.contains("did you mean"))
    }

    @Test("A command with both subcommands and positionals treats other words as positionals")
    func subcommandsAndPositionals() throws {
        #expect(try parsed(["tool", "lint"]).commandPath == ["agentbridge", "tool", "lint"])
        let plugin = try parsed(["tool", "formatter"])
        #expect(plugin.commandPath == ["agentbridge", "tool"])
        #expect(plugin.positional("plugin") == "formatter")
        #expect(try parsed(["tool"]).commandPath == ["agentbridge", "tool"])
    }

    @Test("A subcommand name after the command's own positional is just another argument")
    func subcommandNameAfterPositional() throws {
        let error = try usageError(["tool", "formatter", "lint"])
        #expect(error.kind == .unexpectedArgument)
        #expect(error.message.contains("'lint'"))
    }

    @Test("After a double dash a subcommand name is not recognised")
    func noSubcommandAfterDoubleDash() throws {
        let error = try usageError(["--", "stdio"])
        #expect(error.kind == .unexpectedArgument)
    }
}
