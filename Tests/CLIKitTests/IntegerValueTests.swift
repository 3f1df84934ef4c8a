/// Integer accessors: conversion, range checks, and precise errors for bad numbers.
///
/// Why: ports, counts and timeouts are integers; a typo there must be a usage error that
/// names the option, not a crash or a silent default.
@testable import CLIKit
import Testing

@Suite("Integer values")
struct IntegerValueTests {
    @Test("An integer option converts its given value")
    func converts() throws {
        #expect(try parsed(["serve", "--port", "9000"]).int("port") == 9000)
        #expect(try parsed(["serve", "--offset", "-5"]).int("offset") == -5)
    }

    @Test("An integer option converts its default or environment value")
    func convertsFallbacks() throws {
        #expect(try parsed(["serve"]).int("port") == 8080)
        #expect(try parsed(["serve"], environment: ["AGENTBRIDGE_PORT": "7000"]).int("port") == 7000)
    }

    @Test("An absent integer option without a default is nil")
    func absentIsNil() throws {
        #expect(try parsed(["serve"]).int("offset") == nil)
        #expect(try parsed(["serve"]).int("offset", in: 0...10) == nil)
    }

    @Test("A value that is not an integer is a usage error naming the option and the text")
    func notAnInteger() throws {
        let result = try parsed(["serve", "--port", "80a"])
        let error = try #require(throws: UsageError.self) { try result.int("port") }
        #expect(error.kind == .invalidValue)
        #expect(error.message.contains("'80a'"))
        #expect(error.message.contains("'--port'"))
        #expect(error.message.contains("integer"))
        #expect(error.commandPath == ["agentbridge", "serve"])
        #expect(error.usage.hasPrefix("usage: agentbridge serve"))
    }

    @Test("A bad integer from the environment names the environment variable")
    func badEnvironmentInteger() throws {
        let result = try parsed(["serve"], environment: ["AGENTBRIDGE_PORT": "eighty"])
        let error = try #require(throws: UsageError.self) { try result.int("port") }
        #expect(error.message.contains("AGENTBRIDGE_PORT"))
        #expect(error.message.contains("'eighty'"))
    }

    @Test("An integer inside the range is returned")
    func inRange() throws {
        #expect(try parsed(["serve", "-p", "65535"]).int("port", in: 1...65535) == 65535)
    }

    @Test("An integer outside the range is a usage error naming the bounds")
    func outOfRange() throws {
        let result = try parsed(["serve", "--port", "70000"])
        let error = try #require(throws: UsageError.self) { try result.int("port", in: 1...65535) }
        #expect(error.kind == .invalidValue)
        #expect(error.message.contains("'70000'"))
        #expect(error.message.contains("1"))
        #expect(error.message.contains("65535"))
    }

    @Test("A range check still rejects text that is not an integer")
    func rangeRejectsText() throws {
        let result = try parsed(["serve", "--port", "x"])
        let error = try #require(throws: UsageError.self) { try result.int("port", in: 1...2) }
        #expect(error.message.contains("integer"))
    }

    @Test("A positional can be read as an integer")
    func positionalInteger() throws {
        #expect(try parsed(["head", "10", "f"]).int("count") == 10)
        let result = try parsed(["head", "ten", "f"])
        let error = try #require(throws: UsageError.self) { try result.int("count") }
        #expect(error.message.contains("<count>"))
    }
}
