/// Duration accessors: timeouts are written in seconds with an optional fraction.
///
/// Why: every time limit of the server is a flag; "0.5" must mean half a second and "1e9",
/// "-1", "inf" or "5s" must be usage errors that name the option, never a crash or a silent default.
@testable import CLIKit
import Testing

@Suite("Seconds values")
struct SecondsValueTests {
    @Test("Whole and fractional seconds convert exactly")
    func converts() throws {
        #expect(try parsed(["serve", "--offset", "30"]).seconds("offset", in: 0.001...3600) == .seconds(30))
        #expect(try parsed(["serve", "--offset", "0.25"]).seconds("offset", in: 0.001...3600) == .milliseconds(250))
        #expect(try parsed(["serve", "--offset", "1.5"]).seconds("offset", in: 0.001...3600) == .milliseconds(1500))
        #expect(try parsed(["serve"]).seconds("offset", in: 0.001...3600) == nil)
    }

    @Test("Anything but a plain decimal number is a usage error naming the option", arguments: [
        "-1", "+1", "1e3", "inf", "nan", "5s", "", ".5", "5.", "1.2.3", " 1", "0x10",
    ])
    func rejectsNonDecimal(text: String) throws {
        let result = try parsed(["serve", "--offset", text])
        let error = try #require(throws: UsageError.self) { try result.seconds("offset", in: 0...3600) }
        #expect(error.kind == .invalidValue)
        #expect(error.message.contains("'--offset'"))
        #expect(error.message.contains("expected seconds"))
    }

    @Test("A value outside the range names both bounds")
    func rangeChecked() throws {
        let result = try parsed(["serve", "--offset", "0"])
        let error = try #require(throws: UsageError.self) { try result.seconds("offset", in: 0.01...86400) }
        #expect(error.message.contains("between 0.01 and 86400 seconds"))
    }
}
