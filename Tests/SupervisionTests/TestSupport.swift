import Foundation
import Supervision
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Helpers for driving real child processes: polling with hang guards (never timing
/// assertions), reading a child's stdout off the cooperative pool, and reading /proc.
enum TestSupport {
    /// Polls `condition` every 20 ms until it holds or `timeout` passes (a hang guard, not a
    /// performance bound). Returns whether it held.
    static func eventually(timeout: Duration = .seconds(60), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    /// Reads `fd` on a dedicated thread until `done(bytesSoFar)` holds, EOF, or `timeout`.
    static func read(
        _ fd: Int32, timeout: Duration = .seconds(60), until done: @escaping @Sendable ([UInt8]) -> Bool = { _ in false }
    ) async -> [UInt8] {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                let deadline = ContinuousClock.now + timeout
                var bytes: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 4096)
                while !done(bytes) {
                    let left = deadline - ContinuousClock.now
                    if left <= .zero { break }
                    var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    let ms = Int32(min(left.components.seconds * 1000 + 1, 1000))
                    let ready = poll(&pfd, 1, ms)
                    if ready < 0 && errno != EINTR { break }
                    if ready <= 0 { continue }
                    let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    bytes.append(contentsOf: chunk[0..<n])
                }
                continuation.resume(returning: bytes)
            }
            thread.start()
        }
    }

    /// Reads lines until `count` complete lines arrived (or EOF / timeout).
    static func readLines(_ fd: Int32, count: Int, timeout: Duration = .seconds(60)) async -> [String] {
        let bytes = await read(fd, timeout: timeout) { $0.filter { $0 == 0x0A }.count >= count }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Writes all of `text` to `fd`.
    static func write(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Fields of /proc/PID/stat after the command name: [state, ppid, pgrp, …]; nil when the
    /// process does not exist.
    static func stat(_ pid: Int32) -> [String]? {
        guard let text = readFile("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: close)...].split(separator: " ").map(String.init)
    }

    /// A whole (small) file, read with open/read: /proc files report size 0.
    static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// True when `pid` no longer runs: it does not exist, or it is a zombie (a killed
    /// grandchild is reparented to PID 1, which in some containers never reaps it).
    static func isGone(_ pid: Int32) -> Bool {
        guard let fields = stat(pid) else { return true }
        return fields.first == "Z"
    }

    /// Pids of this test process's zombie children.
    static func zombieChildren() -> [Int32] {
        let me = String(getpid())
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let fields = stat(pid), fields.count > 1 else { return false }
            return fields[0] == "Z" && fields[1] == me
        }
    }

    /// The built `SupervisionProbe`, next to the test bundle.
    static func probePath() -> String? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        for _ in 0..<6 {
            directory = directory.deletingLastPathComponent()
            let candidate = directory.appendingPathComponent("SupervisionProbe").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static let basicEnvironment = ChildProcess.minimalEnvironment(from: ["PATH": "/usr/bin:/bin"], extra: [])

    /// `/bin/sh -c script` with a minimal environment.
    static func shell(_ script: String, stderr: LaunchSpec.StderrHandling = .capture) -> LaunchSpec {
        LaunchSpec(command: "/bin/sh", arguments: ["-c", script], environment: basicEnvironment, stderr: stderr)
    }
}

/// A thread-safe list for collecting values from hooks and streams.
final class Collected<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
    var count: Int { values.withLock { $0.count } }
}
