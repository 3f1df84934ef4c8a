#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTPTestSupport
import MCPClient

/// An MCP server process for the stdio tests: spawned with `TestProcess` (HTTPTestSupport), its stdin and
/// stdout handed to an `FDClientTransport`, its stderr kept in a file for failure messages.
///
/// Our pipe ends are close-on-exec (and Foundation closes stray descriptors in the child), so
/// servers spawned by tests running in parallel never inherit each other's pipe ends: an
/// inherited write end would hide end of file.
final class ChildProcess: @unchecked Sendable {
    let process = TestProcess()
    let transport: FDClientTransport
    let stderrURL: URL
    let description: String

    init(_ executable: String, _ arguments: [String] = []) throws {
        description = ([executable] + arguments).joined(separator: " ")
        var toChild: [Int32] = [0, 0]
        var fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else {
            throw ChildProcessError("pipe failed: errno \(errno)")
        }
        for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        stderrURL = FileManager.default.temporaryDirectory.appendingPathComponent("mcpclient-child-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stderr = try FileHandle(forWritingTo: stderrURL)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["PYTHONUNBUFFERED"] = "1"
        process.environment = environment
        process.standardInput = FileHandle(fileDescriptor: toChild[0], closeOnDealloc: false)
        process.standardOutput = FileHandle(fileDescriptor: fromChild[1], closeOnDealloc: false)
        process.standardError = stderr
        defer {
            close(toChild[0])
            close(fromChild[1])
            try? stderr.close()
        }
        do {
            try process.run()
        } catch {
            close(toChild[1])
            close(fromChild[0])
            throw ChildProcessError("cannot start \(description): \(error)")
        }
        transport = FDClientTransport(readFD: fromChild[0], writeFD: toChild[1])
    }

    /// What the server wrote to stderr (for failure messages).
    var stderrText: String {
        let text = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        return String(text.suffix(4000))
    }

    /// Closes its stdin, gives it a few seconds to exit, then kills it.
    func stop() async {
        transport.close()
        for _ in 0..<100 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: stderrURL)
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
    }
}

struct ChildProcessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
