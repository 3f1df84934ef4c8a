/// `--help`, `-h` and `--version`: recognised anywhere, for the deepest command named so far.
///
/// Why: asking for help must always work, even in the middle of a half-typed command line.
@testable import CLIKit
import Testing

@Suite("Help and version requests")
struct HelpAndVersionTests {
    @Test("--help at the root gives the root's help")
    func rootHelp() throws {
        let text = try helpRequest(["--help"])
        #expect(text == help(["agentbridge"]))
    }

    @Test("-h is the same as --help")
    func shortHelp() throws {
        #expect(try helpRequest(["-h"]) == help(["agentbridge"]))
    }

    @Test("Help is for the deepest command named before the request")
    func deepestCommand() throws {
        #expect(try helpRequest(["keys", "create", "--help"]) == help(["agentbridge", "keys", "create"]))
        #expect(try helpRequest(["keys", "-h"]) == help(["agentbridge", "keys"]))
        #expect(try helpRequest(["keys", "--help", "create"]) == help(["agentbridge", "keys"]))
    }

    @Test("Help wins over options and positionals given before it")
    func helpAfterArguments() throws {
        #expect(try helpRequest(["copy", "a", "b", "--help"]) == help(["agentbridge", "copy"]))
        #expect(try helpRequest(["serve", "--port", "1", "-h"]) == help(["agentbridge", "serve"]))
    }

    @Test("Help wins over a usage mistake made before it")
    func helpAfterMistake() throws {
        #expect(try helpRequest(["serve", "--prot", "1", "--help"]) == help(["agentbridge", "serve"]))
        #expect(try helpRequest(["keys", "crate", "--help"]) == help(["agentbridge", "keys"]))
        #expect(try helpRequest(["keys", "create", "--name", "--help"]) == help(["agentbridge", "keys", "create"]))
    }

    @Test("Help wins over a missing subcommand or argument")
    func helpInsteadOfMissing() throws {
        #expect(try helpRequest(["keys", "--help"]) == help(["agentbridge", "keys"]))
        #expect(try helpRequest(["copy", "-h"]) == help(["agentbridge", "copy"]))
    }

    @Test("-h inside a bundle of short flags asks for help")
    func helpInBundle() throws {
        #expect(try helpRequest(["stdio", "-vh"]) == help(["agentbridge", "stdio"]))
    }

    @Test("A command that declares -h keeps it, and --help still works")
    func declaredShortH() throws {
        #expect(try parsed(["remote", "-h", "example.com"]).value("host") == "example.com")
        #expect(try helpRequest(["remote", "--help"]) == help(["agentbridge", "remote"]))
        #expect(!help(["agentbridge", "remote"]).contains("-h, --help"))
    }

    @Test("--help after a double dash is a positional")
    func helpAfterDoubleDash() throws {
        #expect(try parsed(["exec", "--", "man", "--help"]).positionals("arguments") == ["--help"])
    }

    @Test("An inline value that spells --help is a value")
    func helpAsInlineValue() throws {
        #expect(try parsed(["keys", "create", "--name=--help"]).value("name") == "--help")
    }

    @Test("--version works at any level and returns the version")
    func version() throws {
        for arguments in [["--version"], ["keys", "--version"], ["keys", "create", "--name", "x", "--version"]] {
            guard case .version(let text) = try Fixture.parser().parse(arguments) else {
                Issue.record("expected version for \(arguments)")
                continue
            }
            #expect(text == "1.2.3")
        }
    }

    @Test("--version wins over a usage mistake made before it")
    func versionAfterMistake() throws {
        guard case .version = try Fixture.parser().parse(["--prot", "--version"]) else {
            Issue.record("expected version")
            return
        }
    }
}
