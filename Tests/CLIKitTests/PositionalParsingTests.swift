/// Positionals: assignment in declaration order, optional and variadic arguments, and `--`.
///
/// Why: missing and surplus positionals must be reported precisely, never silently dropped.
@testable import CLIKit
import Testing

@Suite("Positionals")
struct PositionalParsingTests {
    @Test("Positionals are assigned in declaration order")
    func declarationOrder() throws {
        let result = try parsed(["copy", "a.txt", "b.txt"])
        #expect(result.positional("source") == "a.txt")
        #expect(result.positional("destination") == "b.txt")
    }

    @Test("An optional positional may be omitted")
    func optionalOmitted() throws {
        let result = try parsed(["copy", "a.txt"])
        #expect(result.positional("source") == "a.txt")
        #expect(result.positional("destination") == nil)
    }

    @Test("A required positional after an optional one is filled first")
    func requiredAfterOptional() throws {
        let one = try parsed(["head", "log.txt"])
        #expect(one.positional("count") == nil)
        #expect(one.positional("file") == "log.txt")
        let two = try parsed(["head", "10", "log.txt"])
        #expect(two.positional("count") == "10")
        #expect(two.positional("file") == "log.txt")
    }

    @Test("A variadic positional takes every remaining argument in order")
    func variadicTakesRest() throws {
        let result = try parsed(["exec", "git", "status", "short"])
        #expect(result.positional("program") == "git")
        #expect(result.positionals("arguments") == ["status", "short"])
    }

    @Test("An optional variadic positional may be empty")
    func optionalVariadicEmpty() throws {
        let result = try parsed(["exec", "ls"])
        #expect(result.positionals("arguments").isEmpty)
        #expect(result.positional("arguments") == nil)
    }

    @Test("A required variadic positional needs at least one argument")
    func requiredVariadicNeedsOne() throws {
        #expect(try parsed(["keys", "revoke", "k1", "k2"]).positionals("ids") == ["k1", "k2"])
        let error = try usageError(["keys", "revoke"])
        #expect(error.kind == .missingArgument)
        #expect(error.message.contains("<ids>"))
    }

    @Test("A missing required positional is a usage error naming it")
    func missingRequired() throws {
        let error = try usageError(["copy"])
        #expect(error.kind == .missingArgument)
        #expect(error.message.contains("missing"))
        #expect(error.message.contains("<source>"))
    }

    @Test("An extra positional is a usage error naming it")
    func unexpectedExtra() throws {
        let error = try usageError(["copy", "a", "b", "c"])
        #expect(error.kind == .unexpectedArgument)
        #expect(error.message.contains("unexpected"))
        #expect(error.message.contains("'c'"))
    }

    @Test("A positional given to a command that takes none is a usage error")
    func positionalToLeafWithoutPositionals() throws {
        let error = try usageError(["stdio", "extra"])
        #expect(error.kind == .unexpectedArgument)
        #expect(error.message.contains("'extra'"))
    }

    @Test("Options may be interleaved with positionals")
    func interleaved() throws {
        let result = try parsed(["copy", "a.txt", "-v", "b.txt"])
        #expect(result.flag("verbose"))
        #expect(result.positional("destination") == "b.txt")
    }

    @Test("A double dash ends options so that later dashed words are positionals")
    func doubleDashEndsOptions() throws {
        let result = try parsed(["exec", "--", "ls", "-la", "--help", "--"])
        #expect(result.positional("program") == "ls")
        #expect(result.positionals("arguments") == ["-la", "--help", "--"])
        #expect(!result.flag("verbose"))
    }

    @Test("A single dash is a positional")
    func singleDash() throws {
        #expect(try parsed(["copy", "-"]).positional("source") == "-")
    }

    @Test("A negative number is a positional, not an option")
    func negativeNumberPositional() throws {
        #expect(try parsed(["head", "-5", "log.txt"]).positional("count") == "-5")
    }
}
