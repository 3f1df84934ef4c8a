/// Options: the spellings that carry a value, and the precedence of given, environment and default values.
///
/// Why: options are the main input of every command, so each accepted spelling and each
/// fallback is pinned down here.
@testable import CLIKit
import Testing

@Suite("Options")
struct OptionParsingTests {
    @Test("A long option takes the next argument as its value")
    func longOptionWithSeparateValue() throws {
        let result = try parsed(["serve", "--port", "9000"])
        #expect(result.value("port") == "9000")
    }

    @Test("A long option takes the text after an equals sign as its value")
    func longOptionWithInlineValue() throws {
        let result = try parsed(["serve", "--port=9000"])
        #expect(result.value("port") == "9000")
    }

    @Test("An inline value may be empty or contain further equals signs")
    func inlineValueEdgeCases() throws {
        #expect(try parsed(["serve", "--host="]).value("host") == "")
        #expect(try parsed(["keys", "create", "--name=a=b"]).value("name") == "a=b")
    }

    @Test("A short option takes the next argument as its value")
    func shortOptionWithSeparateValue() throws {
        #expect(try parsed(["serve", "-p", "9000"]).value("port") == "9000")
    }

    @Test("A short option also accepts an attached or equals-separated value")
    func shortOptionWithAttachedValue() throws {
        #expect(try parsed(["serve", "-p9000"]).value("port") == "9000")
        #expect(try parsed(["serve", "-p=9000"]).value("port") == "9000")
    }

    @Test("A value may be a single dash or a negative number")
    func dashAndNegativeValues() throws {
        #expect(try parsed(["keys", "create", "--name", "-"]).value("name") == "-")
        #expect(try parsed(["serve", "--offset", "-5"]).value("offset") == "-5")
    }

    @Test("An absent option falls back to its default value")
    func defaultValue() throws {
        let result = try parsed(["serve"])
        #expect(result.value("port") == "8080")
        #expect(result.value("host") == "127.0.0.1")
    }

    @Test("An absent option without a default has no value")
    func noValue() throws {
        let result = try parsed(["serve"])
        #expect(result.value("offset") == nil)
        #expect(result.values("offset").isEmpty)
    }

    @Test("An absent option reads its environment variable before its default")
    func environmentBeforeDefault() throws {
        let result = try parsed(["serve"], environment: ["AGENTBRIDGE_PORT": "7000"])
        #expect(result.value("port") == "7000")
    }

    @Test("A given option wins over its environment variable")
    func givenBeatsEnvironment() throws {
        let result = try parsed(["serve", "--port", "9000"], environment: ["AGENTBRIDGE_PORT": "7000"])
        #expect(result.value("port") == "9000")
    }

    @Test("An empty environment variable counts as unset")
    func emptyEnvironmentIgnored() throws {
        let result = try parsed(["serve"], environment: ["AGENTBRIDGE_PORT": ""])
        #expect(result.value("port") == "8080")
    }

    @Test("A repeatable option collects every value in order")
    func repeatableValuesInOrder() throws {
        let result = try parsed([
            "serve", "--allow-origin", "https://a", "--allow-origin=https://b", "--allow-origin", "https://c",
        ])
        #expect(result.values("allow-origin") == ["https://a", "https://b", "https://c"])
    }

    @Test("The single value of a repeatable option is the last one given")
    func repeatableValueIsLast() throws {
        let result = try parsed(["keys", "create", "--scope", "read", "--scope", "write"])
        #expect(result.value("scope") == "write")
    }

    @Test("Values of an absent option fall back to the environment or default as one element")
    func valuesFallBack() throws {
        #expect(try parsed(["serve"]).values("port") == ["8080"])
        #expect(try parsed(["serve"], environment: ["AGENTBRIDGE_PORT": "1"]).values("port") == ["1"])
    }

    @Test("Names may be looked up with or without leading dashes")
    func lookupWithDashes() throws {
        let result = try parsed(["serve", "--port", "1", "--tls"])
        #expect(result.value("--port") == "1")
        #expect(result.flag("--tls"))
    }

    @Test("Options of a parent command are accepted before and after the subcommand")
    func inheritedOptions() throws {
        #expect(try parsed(["--config", "a.json", "stdio"]).value("config") == "a.json")
        #expect(try parsed(["stdio", "--config", "b.json"]).value("config") == "b.json")
        #expect(try parsed(["stdio"], environment: ["AGENTBRIDGE_CONFIG": "env.json"]).value("config") == "env.json")
    }

    @Test("An option of another subcommand is not visible")
    func siblingOptionsInvisible() throws {
        #expect(try parsed(["stdio"]).value("port") == nil)
        let error = try usageError(["stdio", "--port", "1"])
        #expect(error.kind == .unknownOption)
    }
}
