import Foundation
import HTTPTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Desktop clients stop a stdio server by closing its stdin or by a signal. `stdio --agent` must
/// stop its upstreams either way — including what an upstream started itself, which the kernel's
/// parent-death signal never reaches. The upstream here is a shell that leaves a `sleep` running
/// and becomes the reference server; the gateway runs under `subreaper.py`, which adopts and names
/// anything left behind.
@Suite("Gateway: stdio --agent stops its upstreams on SIGTERM")
struct StdioGatewaySignalTests {
    /// A running `stdio --agent a` under `subreaper.py` whose one upstream is a shell that leaves
    /// `sleep <marker>` running (in a session of its own with `escaping`) and becomes the
    /// reference server.
    struct Gateway {
        let process: TestProcess
        let input: Pipe
        let output: Pipe
        let stderrURL: URL
        let marker: String
        let directory: URL

        static func start(escaping: Bool = false) async throws -> Gateway {
            let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stdio-signal-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let db = dir.appendingPathComponent("agentbridge.sqlite").path
            let marker = "4242.\(Int.random(in: 100_000...999_999))"
            let manifest = dir.appendingPathComponent("forker.json").path
            try #"""
                {"upstream_servers": {"forker": {"transport": "stdio", "command": "/bin/sh",
                                                 "args": ["-c", "\#(escaping ? "setsid sh -c '\(Gateway.waiter(dir))' & setsid " : "")sleep \#(marker) & exec '\#(binary)' reference-server --tools 3"]}},
                 "agents": {"a": {"name": "A", "instructions": "i", "model": "scripted/x",
                                  "bindings": [{"server": "forker", "allowed_tools": ["echo"]}]}}}
                """#.write(toFile: manifest, atomically: true, encoding: .utf8)
            let applied = await Interop.run(binary, ["--db", db, "apply", manifest], timeout: 60)
            #expect(applied.status == 0, "\(applied.output)")

            let stderrURL = dir.appendingPathComponent("stderr.log")
            _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            let stderr = try FileHandle(forWritingTo: stderrURL)
            defer { try? stderr.close() }
            let input = Pipe(), output = Pipe()
            let gateway = TestProcess()
            gateway.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            gateway.arguments = [Interop.scripts.appendingPathComponent("subreaper.py").path, "--", binary, "--db", db, "stdio", "--agent", "a"]
            gateway.standardInput = input
            gateway.standardOutput = output
            gateway.standardError = stderr
            try gateway.run()
            return Gateway(process: gateway, input: input, output: output, stderrURL: stderrURL, marker: marker, directory: dir)
        }

        var stderrText: String { StdioGatewaySignalTests.text(stderrURL) }

        /// Sends a 2026 `tools/list` and expects the upstream's tool in the answer (which means
        /// the upstream, and what its shell started first, run).
        func expectToolsListed() async {
            let list = #"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#
            input.fileHandleForWriting.write(Data((list + "\n").utf8))
            let answer = await StdioGatewaySignalTests.firstLine(of: output.fileHandleForReading, timeout: 60)
            #expect(answer.contains("forker__echo"), "\(answer)\n\(stderrText)")
        }

        /// Kills what is left (after a failed expectation) and removes the directory.
        func discard() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(at: directory)
        }

        /// The script of a process that runs until `release` exists in `directory`.
        static func waiter(_ directory: URL) -> String {
            "until [ -e \(directory.appendingPathComponent("release").path) ]; do sleep 0.05; done"
        }

        /// Waits for the gateway to exit (30 s hang guard) and checks that nothing it started
        /// outlived it.
        func expectCleanExit() async {
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            #expect(!process.isRunning, "the gateway did not exit within 30 s")
            try? input.fileHandleForWriting.close()
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            // 86 and "orphaned: …": something under the gateway outlived it (see subreaper.py).
            #expect(process.terminationStatus == 0, "\(stderrText)")
            #expect(!stderrText.contains("orphaned:"), "\(stderrText)")
            #expect(StdioGatewaySignalTests.processes(matching: "sleep \(marker)").isEmpty, "the upstream's child outlived the gateway")
        }
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalStopsTheUpstreamsProcessGroupBeforeTheGatewayExits(signal: Int32) async throws {
        let gateway = try await Gateway.start()
        defer { gateway.discard() }

        // Its answer means the shell and its sleep are running.
        await gateway.expectToolsListed()
        #expect(!Self.processes(matching: "sleep \(gateway.marker)").isEmpty, "the upstream's own child runs")

        let agentbridge = try #require(Self.firstChild(of: gateway.process.processIdentifier), "the gateway under subreaper.py")
        kill(agentbridge, signal)
        await gateway.expectCleanExit()
    }

    /// `stdio --agent` exists to serve one agent: its upstreams start at launch, so their cold
    /// start overlaps the client's handshake instead of delaying the first `tools/list`. A client
    /// that then leaves without asking anything still leaves nothing behind.
    @Test func theAgentsUpstreamsStartAtLaunchBeforeAnyRequest() async throws {
        let gateway = try await Gateway.start()
        defer { gateway.discard() }
        let deadline = Date().addingTimeInterval(60)
        while Self.processes(matching: "sleep \(gateway.marker)").isEmpty && Date() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        #expect(!Self.processes(matching: "sleep \(gateway.marker)").isEmpty, "no upstream was started before a request: \(gateway.stderrText)")
        try gateway.input.fileHandleForWriting.close()
        await gateway.expectCleanExit()
    }

    /// A descendant that left its upstream's session is orphaned when that upstream crashes; the
    /// gateway, as the subreaper of its upstreams, adopts it (rather than init, or here
    /// `subreaper.py`, which would name it) and ends it at shutdown, as it ends the restarted
    /// upstream's own escaped child. An adopted orphan that exits (a second one, which waits
    /// for the test to release it) is reaped: no zombie stays under the gateway.
    @Test func anEscapedDescendantOfACrashedUpstreamEndsWithTheGateway() async throws {
        let gateway = try await Gateway.start(escaping: true)
        defer { gateway.discard() }
        await gateway.expectToolsListed()
        let agentbridge = try #require(Self.firstChild(of: gateway.process.processIdentifier), "the gateway under subreaper.py")
        let deadline = Date().addingTimeInterval(60)
        func first(_ command: String) async -> Int32? {
            while Date() < deadline {
                if let pid = Self.processes(matching: command).first { return pid }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }
        let sleeper = try #require(await first("sleep \(gateway.marker)"), "the upstream's escaped child runs")
        // Runs until released, then exits: adopted, it must be reaped.
        let short = try #require(await first("sh -c " + Gateway.waiter(gateway.directory)), "the upstream's waiting escaped child runs")
        let upstream = try #require(Self.parent(of: sleeper))
        try #require(upstream != agentbridge && upstream != gateway.process.processIdentifier && upstream > 1,
                     "the sleep's parent \(upstream) is the upstream, not the gateway (\(agentbridge)) or the test's reaper")

        kill(upstream, SIGKILL)
        while Self.parent(of: sleeper) != agentbridge && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        #expect(Self.parent(of: sleeper) == agentbridge, "the orphan went to \(Self.parent(of: sleeper).map(String.init) ?? "nobody"), not the gateway")
        while Self.parent(of: short) != agentbridge && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        #expect(Self.parent(of: short) == agentbridge, "the waiting orphan went elsewhere")
        // Released, it exits (a zombie of the gateway's) and the sweep reaps it (every 5 s).
        FileManager.default.createFile(atPath: gateway.directory.appendingPathComponent("release").path, contents: nil)
        while Self.parent(of: short) != nil && Date() < deadline { try? await Task.sleep(for: .milliseconds(100)) }
        #expect(Self.parent(of: short) == nil, "the adopted orphan that exited is still there: \(Self.zombies(of: agentbridge))")
        // The upstream is restarted (with an escaped child of its own) before the client leaves.
        while Self.processes(matching: "sleep \(gateway.marker)").count < 2 && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        #expect(Self.processes(matching: "sleep \(gateway.marker)").count == 2, "the restarted upstream's child runs too")
        try gateway.input.fileHandleForWriting.close()
        await gateway.expectCleanExit()
    }

    /// The children of `pid` that exited and were not reaped.
    static func zombies(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { child in
            guard let text = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = text.lastIndex(of: ")") else { return false }
            let fields = text[text.index(after: close)...].split(separator: " ")
            return fields.count > 1 && fields[0] == "Z" && Int32(fields[1]) == pid
        }
    }

    /// The parent pid in `/proc/<pid>/stat` (nil once the process is gone).
    static func parent(of pid: Int32) -> Int32? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    static func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    /// The first line `handle` gives within `timeout` seconds ("" when none).
    static func firstLine(of handle: FileHandle, timeout: Double) async -> String {
        await withCheckedContinuation { (c: CheckedContinuation<String, Never>) in
            let box = Mutex<CheckedContinuation<String, Never>?>(c)
            let finish: @Sendable (String) -> Void = { line in box.withLock { $0.take() }?.resume(returning: line) }
            Thread.detachNewThread {
                var bytes = Data()
                while !bytes.contains(UInt8(ascii: "\n")) {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    bytes.append(chunk)
                }
                finish(String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self))
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { finish("") }
        }
    }

    static func firstChild(of pid: Int32) -> Int32? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.flatMap { Int32($0) }
    }

    /// Live processes whose command line is exactly `command`.
    static func processes(matching command: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: raw, as: UTF8.self).replacingOccurrences(of: "\0", with: " ").trimmingCharacters(in: .whitespaces) == command
        }
    }
}
