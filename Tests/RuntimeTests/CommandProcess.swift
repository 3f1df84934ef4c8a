// CommandProcess: the built `agentbridge` (or a helper) as a child process of the test, stdout
// and stderr captured in files, stdin at /dev/null unless told otherwise (so never a terminal).
// Waiting has a hang guard after which the process is SIGKILLed; tests kill with SIGKILL too.

import Foundation
import HTTPTestSupport

#if canImport(Glibc)
import Glibc
#endif

final class CommandProcess: @unchecked Sendable {
    let process = TestProcess()
    let outputPath: String
    let errorPath: String

    /// Starts `executable` with `arguments` in `directory`.
    init(_ executable: String, _ arguments: [String], in directory: TemporaryDirectory, environment: [String: String] = [:]) throws {
        let name = UUID().uuidString
        outputPath = directory.file("\(name).out")
        errorPath = directory.file("\(name).err")
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(pid, number) }

    /// The exit status once the process ended; SIGKILLed (and reported as nil) after `seconds`.
    func wait(_ seconds: Double = 120) async -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
    }

    /// Runs to the end and returns (status, stdout, stderr).
    static func run(
        _ executable: String, _ arguments: [String], in directory: TemporaryDirectory, environment: [String: String] = [:]
    ) async throws -> (status: Int32?, output: String, errors: String) {
        let child = try CommandProcess(executable, arguments, in: directory, environment: environment)
        let status = await child.wait()
        return (status, child.output, child.errors)
    }
}
