/// Flags: long and short spellings, bundling, and rejecting values.
///
/// Why: flags have their own rules (no value, bundling) that differ from options.
@testable import CLIKit
import Testing

@Suite("Flags")
struct FlagParsingTests {
    @Test("A flag is false unless given")
    func absentFlagIsFalse() throws {
        let result = try parsed(["stdio"])
        #expect(!result.flag("verbose"))
        #expect(!result.flag("no-such-flag"))
    }

    @Test("A flag is true when given by its long or short name")
    func longAndShort() throws {
        #expect(try parsed(["stdio", "--verbose"]).flag("verbose"))
        #expect(try parsed(["stdio", "-v"]).flag("verbose"))
    }

    @Test("Short flags may be bundled")
    func bundledFlags() throws {
        let result = try parsed(["stdio", "-vq"])
        #expect(result.flag("verbose"))
        #expect(result.flag("quiet"))
    }

    @Test("A bundle may end with a short option that takes the next argument")
    func bundleEndingWithOption() throws {
        let result = try parsed(["serve", "-vtp", "9000"])
        #expect(result.flag("verbose"))
        #expect(result.flag("tls"))
        #expect(result.value("port") == "9000")
    }

    @Test("A short option inside a bundle takes the rest of the bundle as its value")
    func bundleWithAttachedValue() throws {
        let result = try parsed(["serve", "-vp9000"])
        #expect(result.flag("verbose"))
        #expect(result.value("port") == "9000")
    }

    @Test("Giving a flag twice is allowed")
    func repeatedFlag() throws {
        #expect(try parsed(["stdio", "-v", "--verbose"]).flag("verbose"))
    }

    @Test("A long flag given a value is a usage error")
    func longFlagWithValue() throws {
        let error = try usageError(["stdio", "--verbose=x"])
        #expect(error.kind == .flagWithValue)
        #expect(error.message.contains("'--verbose'"))
        #expect(error.message.contains("does not take a value"))
    }

    @Test("A short flag given a value is a usage error")
    func shortFlagWithValue() throws {
        let error = try usageError(["stdio", "-v=x"])
        #expect(error.kind == .flagWithValue)
        #expect(error.message.contains("'-v'"))
    }

    @Test("An unknown letter in a bundle is reported with the bundle")
    func unknownLetterInBundle() throws {
        let error = try usageError(["stdio", "-vx"])
        #expect(error.kind == .unknownOption)
        #expect(error.message.contains("'-x'"))
        #expect(error.message.contains("'-vx'"))
    }

    @Test("A long name written with a single dash suggests the double-dash spelling")
    func singleDashLongName() throws {
        let error = try usageError(["stdio", "-verbose"])
        #expect(error.kind == .unknownOption)
        #expect(error.message.contains("did you mean '--verbose'?"))
    }
}
