/// Usage errors: unknown options with suggestions, missing values, repeated options, and the report format.
///
/// Why: a usage error is the user's only guide to fixing the command line, so each must name
/// the exact token at fault and the command it was parsed against.
@testable import CLIKit
import Testing

@Suite("Usage errors")
struct UsageErrorTests {
    @Test("An unknown long option suggests the closest known option")
    func unknownOptionSuggestion() throws {
        let error = try usageError(["serve", "--prot", "1"])
        #expect(error.kind == .unknownOption)
        #expect(error.message.contains("unknown option '--prot'"))
        #expect(error.message.contains("did you mean '--port'?"))
    }

    @Test("Suggestions include inherited options and the built-in ones")
    func suggestionScope() throws {
        #expect(try usageError(["stdio", "--verbos"]).message.contains("'--verbose'"))
        #expect(try usageError(["stdio", "--hepl"]).message.contains("'--help'"))
        #expect(try usageError(["stdio", "--versoin"]).message.contains("'--version'"))
    }

    @Test("An unknown option far from every name gets no suggestion")
    func unknownOptionWithoutSuggestion() throws {
        let error = try usageError(["serve", "--zzzzzz"])
        #expect(error.kind == .unknownOption)
        #expect(!error.message.contains("did you mean"))
    }

    @Test("An unknown short option is a usage error")
    func unknownShortOption() throws {
        let error = try usageError(["serve", "-x"])
        #expect(error.kind == .unknownOption)
        #expect(error.message.contains("'-x'"))
    }

    @Test("An option without a value at the end is a usage error")
    func missingValueAtEnd() throws {
        let error = try usageError(["serve", "--port"])
        #expect(error.kind == .missingValue)
        #expect(error.message.contains("missing value"))
        #expect(error.message.contains("'--port'"))
    }

    @Test("An option followed by another option has no value")
    func missingValueBeforeOption() throws {
        let error = try usageError(["serve", "-p", "--tls"])
        #expect(error.kind == .missingValue)
        #expect(error.message.contains("'-p'"))
    }

    @Test("An option followed by a double dash has no value")
    func missingValueBeforeDoubleDash() throws {
        #expect(try usageError(["serve", "--port", "--"]).kind == .missingValue)
    }

    @Test("A non-repeatable option given twice is a usage error")
    func repeatedOption() throws {
        let error = try usageError(["serve", "--port", "1", "-p", "2"])
        #expect(error.kind == .repeatedOption)
        #expect(error.message.contains("'--port'"))
        #expect(error.message.contains("more than once"))
    }

    @Test("An inherited option given before and after the subcommand counts as given twice")
    func repeatedInheritedOption() throws {
        #expect(try usageError(["--config", "a", "stdio", "-c", "b"]).kind == .repeatedOption)
    }

    @Test("The error carries the usage and path of the command being parsed")
    func usageOfCurrentCommand() throws {
        let error = try usageError(["keys", "create", "--nme", "x"])
        #expect(error.commandPath == ["agentbridge", "keys", "create"])
        #expect(error.usage.hasPrefix("usage: agentbridge keys create"))
    }

    @Test("The description reports the message, the usage and where to find help")
    func descriptionFormat() throws {
        let error = try usageError(["serve", "--prot"])
        let lines = error.description.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "error: \(error.message)")
        #expect(error.description.contains(error.usage))
        #expect(lines.last == "See 'agentbridge serve --help'.")
    }
}
