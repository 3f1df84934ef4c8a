import Foundation
import Supervision
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("ChildProcess: spawning real processes")
struct ChildProcessTests {
    @Test("a line written to cat's stdin comes back on its stdout, and cat exits 0 on EOF")
    func echoThroughCat() async throws {
        let child = try await ChildProcess.spawn(LaunchSpec(command: "/bin/cat", environment: TestSupport.basicEnvironment))
        TestSupport.write(child.stdinFD, "hello, child\n")
        let lines = await TestSupport.readLines(child.stdoutFD, count: 1)
        #expect(lines == ["hello, child"])
        child.closeStdin()
        let status = await child.waitForExit(timeout: .seconds(30))
        #expect(status == .exited(0))
        #expect(child.currentStatus == .exited(0))
    }

    @Test("an exec failure throws 'cannot execute PATH: <errno text>'")
    func execFailure() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let garbage = directory.appendingPathComponent("not-a-program").path
        #expect(FileManager.default.createFile(atPath: garbage, contents: Data([0x00, 0x01, 0x02, 0x03]), attributes: [.posixPermissions: 0o755]))

        await #expect(throws: SpawnError.cannotExecute(path: garbage, code: ENOEXEC)) {
            _ = try await ChildProcess.spawn(LaunchSpec(command: garbage, environment: TestSupport.basicEnvironment))
        }
        await #expect(throws: SpawnError.cannotExecute(path: "/nonexistent/program", code: ENOENT)) {
            _ = try await ChildProcess.spawn(LaunchSpec(command: "/nonexistent/program"))
        }
        let error = SpawnError.cannotExecute(path: "/etc/passwd", code: EACCES)
        await #expect(throws: error) {
            _ = try await ChildProcess.spawn(LaunchSpec(command: "/etc/passwd"))
        }
        #expect(error.description == "cannot execute /etc/passwd: Permission denied")
    }

    @Test("a working directory that cannot be entered is reported as such")
    func chdirFailure() async throws {
        await #expect(throws: SpawnError.cannotChangeDirectory(path: "/nonexistent-dir", code: ENOENT)) {
            _ = try await ChildProcess.spawn(
                LaunchSpec(command: "/bin/pwd", environment: TestSupport.basicEnvironment, workingDirectory: "/nonexistent-dir"))
        }
    }

    @Test("the working directory is applied")
    func workingDirectory() async throws {
        let child = try await ChildProcess.spawn(
            LaunchSpec(command: "pwd", environment: TestSupport.basicEnvironment, workingDirectory: "/usr"))
        let lines = await TestSupport.readLines(child.stdoutFD, count: 1)
        #expect(lines == ["/usr"])
        #expect(await child.exitStatus == .exited(0))
    }

    @Test("a bare command is found through the child's PATH, first match wins, and a miss says 'not found'")
    func pathResolution() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("cat").path
        #expect(FileManager.default.createFile(
            atPath: script, contents: Data("#!/bin/sh\necho shadowed\n".utf8), attributes: [.posixPermissions: 0o755]))
        let notExecutable = directory.appendingPathComponent("plain").path
        #expect(FileManager.default.createFile(atPath: notExecutable, contents: Data("x".utf8), attributes: [.posixPermissions: 0o644]))

        #expect(try ExecutableLookup.resolve("sh", searchPath: "/nonexistent:/usr/bin:/bin") == "/usr/bin/sh")
        #expect(try ExecutableLookup.resolve("cat", searchPath: "\(directory.path):/usr/bin") == script)
        #expect(try ExecutableLookup.resolve("cat", searchPath: "::relative:/usr/bin") == "/usr/bin/cat")
        #expect(try ExecutableLookup.resolve("/opt/x/y", searchPath: nil) == "/opt/x/y")
        #expect(try ExecutableLookup.resolve("bin/tool", searchPath: nil, workingDirectory: "/srv") == "/srv/bin/tool")
        #expect(throws: SpawnError.notFound(command: "plain", searchPath: directory.path)) {
            try ExecutableLookup.resolve("plain", searchPath: directory.path)
        }
        let missing = SpawnError.notFound(command: "no-such-command-xyz", searchPath: "/usr/bin:/bin")
        #expect(missing.description == "command not found: 'no-such-command-xyz' (searched PATH=/usr/bin:/bin)")

        // Spawning uses the PATH of the child's environment.
        let environment = ChildProcess.minimalEnvironment(from: [:], extra: [("PATH", "\(directory.path):/usr/bin:/bin")])
        let child = try await ChildProcess.spawn(LaunchSpec(command: "cat", environment: environment))
        #expect(child.executablePath == script)
        #expect(await TestSupport.readLines(child.stdoutFD, count: 1) == ["shadowed"])
        await #expect(throws: missing) {
            _ = try await ChildProcess.spawn(
                LaunchSpec(command: "no-such-command-xyz", environment: ["PATH": "/usr/bin:/bin"]))
        }
    }

    @Test("the child sees exactly the minimal environment we pass")
    func minimalEnvironment() async throws {
        let ours = [
            "PATH": "/usr/bin:/bin", "HOME": "/home/test", "LANG": "C.UTF-8", "TZ": "UTC", "TMPDIR": "/tmp",
            "AGENTBRIDGE_MASTER_KEY": "secret-must-not-leak", "GITHUB_TOKEN": "ghp_secret", "USER": "someone",
        ]
        let environment = ChildProcess.minimalEnvironment(from: ours, extra: [("API_URL", "https://x"), ("TZ", "Europe/Paris")])
        #expect(environment == [
            "PATH": "/usr/bin:/bin", "HOME": "/home/test", "LANG": "C.UTF-8", "TZ": "Europe/Paris", "TMPDIR": "/tmp",
            "API_URL": "https://x",
        ])
        let child = try await ChildProcess.spawn(LaunchSpec(command: "env", environment: environment))
        let output = await TestSupport.read(child.stdoutFD)
        let seen = Set(String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init))
        #expect(seen == Set(environment.map { "\($0.key)=\($0.value)" }))
        #expect(await child.exitStatus == .exited(0))
    }

    @Test("variables that execve cannot carry are refused before spawning")
    func invalidSpec() async {
        await #expect(throws: SpawnError.self) {
            _ = try await ChildProcess.spawn(LaunchSpec(command: "/bin/true", environment: ["A=B": "x"]))
        }
        await #expect(throws: SpawnError.self) {
            _ = try await ChildProcess.spawn(LaunchSpec(command: "/bin/echo", arguments: ["a\u{0}b"]))
        }
    }

    @Test("the child leads its own process group")
    func ownProcessGroup() async throws {
        let child = try await ChildProcess.spawn(LaunchSpec(command: "/bin/cat", environment: TestSupport.basicEnvironment))
        let fields = try #require(TestSupport.stat(child.pid))
        #expect(fields[2] == String(child.pid))  // pgrp
        #expect(fields[1] == String(getpid()))  // ppid: us
        #expect(Int32(fields[2]) != getpgrp())
        _ = await child.terminate(grace: .seconds(5))
    }

    @Test("only 0, 1 and 2 are open in the child, even when we hold inheritable fds")
    func fdsClosed() async throws {
        let leaked = open("/dev/null", O_RDONLY)  // deliberately without O_CLOEXEC
        #expect(leaked >= 0)
        defer { close(leaked) }
        let child = try await ChildProcess.spawn(TestSupport.shell("ls /proc/$$/fd"))
        let output = await TestSupport.read(child.stdoutFD)
        let fds = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(fds == ["0", "1", "2"])
        #expect(await child.exitStatus == .exited(0))
    }

    @Test("the child starts with no blocked and no ignored signals")
    func signalsReset() async throws {
        let child = try await ChildProcess.spawn(LaunchSpec(command: "/bin/cat", arguments: ["/proc/self/status"]))
        let output = String(decoding: await TestSupport.read(child.stdoutFD), as: UTF8.self)
        let lines = output.split(separator: "\n").filter { $0.hasPrefix("SigBlk:") || $0.hasPrefix("SigIgn:") }
        #expect(lines == ["SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"])
    }

    @Test("1 MiB on stderr never blocks the child; the last 64 KiB are kept")
    func stderrRing() async throws {
        let script = "head -c 1048576 /dev/zero | tr '\\000' a >&2; printf 'THE-END' >&2; echo done"
        let child = try await ChildProcess.spawn(TestSupport.shell(script))
        #expect(await TestSupport.readLines(child.stdoutFD, count: 1) == ["done"])
        #expect(await child.exitStatus == .exited(0))
        let tail = child.stderrTail()
        #expect(tail.count == 64 * 1024)
        #expect(String(decoding: tail.suffix(7), as: UTF8.self) == "THE-END")
        #expect(tail.dropLast(7).allSatisfy { $0 == UInt8(ascii: "a") })
        #expect(child.stderrByteCount == 1_048_576 + 7)
        #expect(await TestSupport.eventually { child.stderrClosed })
        #expect(child.stderrFD == nil)
    }

    @Test("stderr can be handed to the caller as a pipe")
    func stderrPipe() async throws {
        let child = try await ChildProcess.spawn(TestSupport.shell("echo oops >&2", stderr: .pipe))
        let fd = try #require(child.stderrFD)
        #expect(await TestSupport.readLines(fd, count: 1) == ["oops"])
        #expect(child.stderrTail().isEmpty)
        #expect(await child.exitStatus == .exited(0))
    }

    @Test("exit codes and signals are reported")
    func exitStatuses() async throws {
        let failing = try await ChildProcess.spawn(TestSupport.shell("exit 7"))
        #expect(await failing.exitStatus == .exited(7))

        let killed = try await ChildProcess.spawn(LaunchSpec(command: "/bin/sleep", arguments: ["1000"]))
        #expect(killed.currentStatus == nil)
        #expect(kill(killed.pid, SIGKILL) == 0)
        #expect(await killed.exitStatus == .signaled(SIGKILL))
        #expect(killed.signalGroup(SIGTERM) == false)  // reaped: the pgid is no longer ours to signal
        #expect(ExitStatus.signaled(SIGKILL).description == "signal 9 (SIGKILL)")
    }

    @Test("a bounded wait returns nil while the child runs")
    func boundedWait() async throws {
        let child = try await ChildProcess.spawn(LaunchSpec(command: "/bin/sleep", arguments: ["1000"]))
        #expect(await child.waitForExit(timeout: .milliseconds(50)) == nil)
        #expect(child.currentStatus == nil)
        #expect(child.signalGroup(SIGKILL))
        #expect(await child.exitStatus == .signaled(SIGKILL))
    }
}
