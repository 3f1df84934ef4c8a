import Bridge
import Foundation
import HTTPTestSupport
import JSON
import MCPClient
import Supervision
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Faults of a supervised stdio upstream, with real processes: killed during a call (the call
/// fails cleanly, the next one succeeds after the restart and the tools are discovered again), a
/// server that never answers, one that writes garbage to stdout, one that crash-loops, and a
/// shutdown that leaves no process behind. Waits are polls with generous hang guards.
@Suite("Upstream faults", .serialized)
struct UpstreamFaultTests {
    static func options(connect: Duration = .seconds(60)) -> UpstreamConnection.Options {
        var options = UpstreamConnection.Options()
        options.connectTimeout = connect
        options.restartPolicy = RestartPolicy(initialDelay: .milliseconds(20), maxDelay: .milliseconds(200), crashLoopExits: 4, crashLoopWindow: .seconds(60))
        return options
    }

    func connection(_ command: String, _ arguments: [String], options: UpstreamConnection.Options = options()) -> UpstreamConnection {
        let environment = ChildProcess.minimalEnvironment(from: ProcessInfo.processInfo.environment, extra: [])
        return UpstreamConnection(
            key: UpstreamKey(workspaceID: "default", serverID: "test"),
            launch: LaunchSpec(command: command, arguments: arguments, environment: environment), options: options)
    }

    func alive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }

    @Test func anUpstreamKilledMidCallFailsThatCallAndIsBackWithItsToolsAfterTheRestart() async throws {
        let upstream = connection(try TestBinaries.referenceServer(), ["--tools", "5"])
        let tools = try await upstream.tools(timeout: .seconds(60))
        #expect(tools.map(\.name).contains("echo"))
        let first = try #require(upstream.childPID)

        let slow = Task { try await upstream.callTool("slow_operation", arguments: ["steps": 200, "step_ms": 50], timeout: .seconds(60)) }
        try await Task.sleep(for: .milliseconds(300))
        kill(first, SIGKILL)
        do {
            _ = try await slow.value
            Issue.record("a call to a killed upstream returned a result")
        } catch {
            #expect("\(error)".contains("closed") || "\(error)".contains("unavailable"), "\(error)")
        }

        #expect(await eventually { await (try? upstream.callTool("echo", arguments: ["text": "back"], timeout: .seconds(5)))?.text == "back" })
        let second = try #require(upstream.childPID)
        #expect(second != first)
        #expect(upstream.cachedToolNames?.contains("echo") == true, "tools are discovered again after the restart")
        await upstream.stop()
        #expect(await eventually { !alive(second) })
        #expect(upstream.childPID == nil)
    }

    /// A handshake-only server that exits on any request before `initialize` — as some legacy
    /// servers do on `server/discover` — and logs every method it receives, one per line.
    static let exitsOnProbe = #"""
    import json, sys
    log = open(sys.argv[1], "a")
    for line in sys.stdin:
        message = json.loads(line)
        method = message.get("method")
        log.write(f"{method}\n"); log.flush()
        if method == "server/discover":
            sys.exit(0)
        if "id" not in message:
            continue
        if method == "initialize":
            result = {"protocolVersion": "2025-06-18", "capabilities": {"tools": {}}, "serverInfo": {"name": "probe-exit", "version": "1"}}
        elif method == "tools/list":
            result = {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}
        elif method == "tools/call":
            result = {"content": [{"type": "text", "text": message["params"]["arguments"]["text"]}]}
        else:
            print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "no"}}), flush=True)
            continue
        print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}), flush=True)
    """#

    @Test func aServerThatExitsOnTheProbeIsRestartedAndInitializedAndKeepsItsEraAcrossRestarts() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("probe-exit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("server.py").path, log = directory.appendingPathComponent("methods.log").path
        try Self.exitsOnProbe.write(toFile: script, atomically: false, encoding: .utf8)
        let methods = { (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? [] }

        let upstream = connection("python3", [script, log])
        let tools = try await upstream.tools(timeout: .seconds(30))
        #expect(tools.map(\.name) == ["echo"])
        #expect(try await upstream.callTool("echo", arguments: ["text": "legacy"], timeout: .seconds(60)).text == "legacy")
        #expect(methods().prefix(4) == ["server/discover", "initialize", "notifications/initialized", "tools/list"], "\(methods())")

        // A crash later: the new child is initialized straight away (the era is known).
        let first = try #require(upstream.childPID)
        kill(first, SIGKILL)
        #expect(await eventually { upstream.childPID != nil && upstream.childPID != first && upstream.cachedToolNames == ["echo"] })
        #expect(try await upstream.callTool("echo", arguments: ["text": "again"], timeout: .seconds(60)).text == "again")
        #expect(methods().filter { $0 == "server/discover" }.count == 1, "probed again after the era was known: \(methods())")
        #expect(methods().filter { $0 == "initialize" }.count == 2, "\(methods())")
        await upstream.stop()
    }

    /// A slow legacy server that exits on the probe has not failed its start: the restart that
    /// meets it with `initialize` is waited for within the start budget like the first start,
    /// though the whole takes longer than the call's timeout (two 2 s sleeps against 1.5 s).
    @Test func aSlowServerThatExitsOnTheProbeIsWaitedForThroughItsRestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("probe-exit-slow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("server.py").path, log = directory.appendingPathComponent("methods.log").path
        try Self.exitsOnProbe.write(toFile: script, atomically: false, encoding: .utf8)
        let upstream = connection("/bin/sh", ["-c", "sleep 2; exec python3 \"$0\" \"$1\"", script, log])
        let tools = try await upstream.tools(timeout: .milliseconds(1500))
        #expect(tools.map(\.name) == ["echo"])
        let methods = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        #expect(methods.prefix(2) == ["server/discover", "initialize"], "\(methods)")
        await upstream.stop()
    }

    /// A 2026-only server that logs every method it receives and whose very first child exits on
    /// its first message (a crash during the probe); later children answer `server/discover` and
    /// refuse `initialize` with −32022, as modern-only servers do.
    static let modernExitsOnFirstProbe = #"""
    import json, os, sys
    log = open(sys.argv[1], "a"); crashed = sys.argv[2]
    for line in sys.stdin:
        message = json.loads(line)
        method = message.get("method")
        log.write(f"{method}\n"); log.flush()
        if not os.path.exists(crashed):
            open(crashed, "w").close()
            sys.exit(1)
        if "id" not in message:
            continue
        if method == "initialize":
            error = {"code": -32022, "message": "Unsupported protocol version", "data": {"supported": ["2026-07-28"], "requested": message["params"]["protocolVersion"]}}
            print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "error": error}), flush=True)
            continue
        if method == "server/discover":
            result = {"resultType": "complete", "supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}}, "ttlMs": 0, "cacheScope": "public",
                      "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "modern-only", "version": "1"}}}
        elif method == "tools/list":
            result = {"resultType": "complete", "tools": [{"name": "echo", "inputSchema": {"type": "object"}}], "ttlMs": 600000, "cacheScope": "public"}
        elif method == "tools/call":
            result = {"resultType": "complete", "content": [{"type": "text", "text": message["params"]["arguments"]["text"]}]}
        else:
            print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "no"}}), flush=True)
            continue
        print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}), flush=True)
    """#

    @Test func aModernServerThatExitsOnTheProbeAndThenRefusesTheHandshakeIsProbedAgain() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("probe-exit-modern-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("server.py").path, log = directory.appendingPathComponent("methods.log").path
        let crashed = directory.appendingPathComponent("crashed").path
        try Self.modernExitsOnFirstProbe.write(toFile: script, atomically: false, encoding: .utf8)
        let methods = { (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? [] }

        let upstream = connection("python3", [script, log, crashed])
        #expect(try await upstream.tools(timeout: .seconds(30)).map(\.name) == ["echo"])
        #expect(try await upstream.callTool("echo", arguments: ["text": "modern"], timeout: .seconds(60)).text == "modern")
        // The first child died on the probe, the second was met with `initialize` (as a legacy
        // server that dies on the probe would be), refused it with −32022, and was probed again.
        #expect(methods().prefix(4) == ["server/discover", "initialize", "server/discover", "tools/list"], "\(methods())")

        // A crash later: the era is modern again, so the new child is probed, not initialized.
        let second = try #require(upstream.childPID)
        kill(second, SIGKILL)
        #expect(await eventually { upstream.childPID != nil && upstream.childPID != second && upstream.cachedToolNames == ["echo"] })
        #expect(try await upstream.callTool("echo", arguments: ["text": "again"], timeout: .seconds(60)).text == "again")
        #expect(methods().filter { $0 == "initialize" }.count == 1, "the modern server was asked to initialize again: \(methods())")
        #expect(methods().filter { $0 == "server/discover" }.count == 3, "\(methods())")
        await upstream.stop()
    }

    @Test func anUpstreamThatNeverAnswersFailsCallsWithinTheirDeadline() async throws {
        let upstream = connection("/bin/sleep", ["1000"], options: Self.options(connect: .seconds(2)))
        let started = Date()
        do {
            _ = try await upstream.callTool("echo", arguments: [:], timeout: .seconds(3))
            Issue.record("a silent upstream produced a result")
        } catch {
            #expect("\(error)".contains("unavailable") || "\(error)".contains("timed out"), "\(error)")
        }
        #expect(Date().timeIntervalSince(started) < 60, "hang guard")
        let pid = upstream.childPID
        await upstream.stop()
        if let pid { #expect(await eventually { !alive(pid) }) }
    }

    /// A server that takes longer to start than a call's timeout (here a 4 s sleep before it
    /// answers anything, against a 3 s call) is waited for within the start budget, and the
    /// call then gets its own timeout; past the start budget the call fails, saying so.
    @Test func aSlowStartIsWaitedForWithinTheStartBudgetNotTheCallsTimeout() async throws {
        let reference = try TestBinaries.referenceServer()
        let slow = connection("/bin/sh", ["-c", "sleep 4; exec \"$0\" --tools 5", reference], options: Self.options(connect: .seconds(60)))
        let started = ContinuousClock.now
        let tools = try await slow.tools(timeout: .seconds(3))
        #expect(tools.map(\.name).contains("echo"))
        #expect(ContinuousClock.now - started >= .seconds(4), "the listing waited for the start")
        #expect(try await slow.callTool("echo", arguments: ["text": "warm"], timeout: .seconds(3)).text == "warm")
        await slow.stop()

        // The rest of a slow start (a first listing that takes 1.5 s after the handshake's late
        // answer, 5.5 s in all) is waited for too: the call's 3 s run from the handshake.
        let slowLister = connection("/usr/bin/env", ["python3", "-c", Self.slowStartSlowList], options: Self.options(connect: .seconds(60)))
        #expect(try await slowLister.tools(timeout: .seconds(3)).map(\.name) == ["echo"])
        await slowLister.stop()

        // A start that outlasts its budget (3 s) fails the call waiting for it (1 s) when the
        // budget ends, not before.
        let tooSlow = connection("/bin/sh", ["-c", "sleep 30; exec \"$0\" --tools 5", reference], options: Self.options(connect: .seconds(3)))
        let cold = ContinuousClock.now
        do {
            _ = try await tooSlow.callTool("echo", arguments: ["text": "cold"], timeout: .seconds(1))
            Issue.record("a call to a server that never finished starting got a result")
        } catch {
            #expect("\(error)".contains("unavailable"), "\(error)")
        }
        #expect(ContinuousClock.now - cold >= .milliseconds(2500), "the call waited for the start budget, not only its own 1 s")
        await tooSlow.stop()

        // Past the handshake, a server that does not answer is hung, not starting: a call gets
        // its own timeout, not the start budget.
        let hung = connection("/usr/bin/env", ["python3", "-c", Self.answersOnlyTheHandshake], options: Self.options(connect: .seconds(60)))
        let asked = ContinuousClock.now
        do {
            _ = try await hung.tools(timeout: .seconds(1))
            Issue.record("a server that never lists listed tools")
        } catch {
            #expect("\(error)".contains("unavailable"), "\(error)")
        }
        #expect(ContinuousClock.now - asked < .seconds(30), "bounded by the call's 1 s, not the 60 s start budget")
        await hung.stop()

        // A server whose start failed (it never answered within the budget) is not waited for
        // again: the next call, during the restart, gets only its own timeout.
        let silent = connection("/bin/sleep", ["1000"], options: Self.options(connect: .seconds(5)))
        await #expect(throws: (any Error).self) { _ = try await silent.tools(timeout: .seconds(1)) }
        let again = ContinuousClock.now
        await #expect(throws: (any Error).self) { _ = try await silent.tools(timeout: .seconds(1)) }
        #expect(ContinuousClock.now - again < .seconds(4), "after a failed start, the call's own 1 s, not the 5 s budget")
        await silent.stop()
    }

    /// Sleeps 4 s before reading anything, then answers the handshake at once (refusing the
    /// 2026 probe) and each `tools/list` after 1.5 s.
    static let slowStartSlowList = #"""
    import json, sys, time
    time.sleep(4)
    for line in sys.stdin:
        message = json.loads(line)
        method = message.get("method")
        if method == "server/discover":
            reply = {"error": {"code": -32601, "message": "no"}}
        elif method == "initialize":
            reply = {"result": {"protocolVersion": "2025-06-18", "capabilities": {"tools": {}}, "serverInfo": {"name": "slow", "version": "1"}}}
        elif method == "tools/list":
            time.sleep(1.5)
            reply = {"result": {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}}
        else:
            continue
        print(json.dumps({"jsonrpc": "2.0", "id": message["id"], **reply}), flush=True)
    """#

    /// Answers `initialize` and nothing else.
    static let answersOnlyTheHandshake = #"""
    import json, sys
    for line in sys.stdin:
        message = json.loads(line)
        if message.get("method") == "initialize":
            print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": {"protocolVersion": "2025-06-18", "capabilities": {"tools": {}}, "serverInfo": {"name": "hung", "version": "1"}}}), flush=True)
        elif message.get("method") == "server/discover":
            print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "no"}}), flush=True)
    """#

    /// A call that still holds a stopped connection (a session's upstream reaped while idle, a
    /// gateway shutting down) fails; it never starts a child the registry no longer knows.
    @Test func aStoppedConnectionNeverStartsItsChildAgain() async throws {
        let upstream = connection(try TestBinaries.referenceServer(), ["--tools", "5"])
        #expect(try await upstream.callTool("echo", arguments: ["text": "once"], timeout: .seconds(60)).text == "once")
        await upstream.stop()
        do {
            _ = try await upstream.callTool("echo", arguments: ["text": "twice"], timeout: .seconds(5))
            Issue.record("a stopped connection answered a call")
        } catch {
            #expect("\(error)".contains("stopped"), "\(error)")
        }
        upstream.start()
        try await Task.sleep(for: .milliseconds(300))
        #expect(upstream.childPID == nil, "a child was started after stop()")
    }

    @Test func anUpstreamWritingGarbageNeverComesUpAndCallsFailCleanly() async throws {
        let upstream = connection("/bin/sh", ["-c", "while :; do echo 'this is not json'; sleep 0.05; done"], options: Self.options(connect: .seconds(2)))
        do {
            _ = try await upstream.tools(timeout: .seconds(4))
            Issue.record("a garbage-writing upstream listed tools")
        } catch {
            #expect(!"\(error)".isEmpty)
        }
        #expect(!upstream.health.isUp)
        await upstream.stop()
    }

    @Test func aCrashLoopingUpstreamIsReportedDownWithItsStderr() async throws {
        let upstream = connection("/bin/sh", ["-c", "echo 'fatal: missing config' >&2; exit 3"])
        upstream.start()
        #expect(await eventually { upstream.health.isDown && "\(upstream.health)".contains("crash loop") }, "\(upstream.health)")
        #expect("\(upstream.health)".contains("missing config"))
        do {
            _ = try await upstream.callTool("echo", arguments: [:], timeout: .seconds(5))
            Issue.record("a crash-looping upstream produced a result")
        } catch {
            #expect("\(error)".contains("unavailable"), "\(error)")
        }
        await upstream.stop()
    }

    @Test func stoppingLeavesNoProcessBehind() async throws {
        let upstream = connection(try TestBinaries.referenceServer(), ["--tools", "3"])
        _ = try await upstream.tools(timeout: .seconds(60))
        let pid = try #require(upstream.childPID)
        await upstream.stop()
        #expect(await eventually { !alive(pid) })
        // Reaped, not a zombie: /proc has no entry left.
        #expect(await eventually { !FileManager.default.fileExists(atPath: "/proc/\(pid)") })
    }

    /// An upstream whose child moved to a session of its own (a daemonizing helper): stopping the
    /// upstream ends that child too, although the group signals never reach it.
    @Test func stoppingEndsADescendantThatLeftTheUpstreamsSession() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("escaped-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let script = #"/usr/bin/setsid /bin/sleep 1000 </dev/null >/dev/null 2>&1 & echo $! > "$1"; exec "$0" --tools 3"#
        let upstream = connection("/bin/sh", ["-c", script, try TestBinaries.referenceServer(), marker])
        _ = try await upstream.tools(timeout: .seconds(60))
        let pid = try #require(Int32((try? String(contentsOfFile: marker, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
        // Running, and (once setsid ran) leading a session of its own: out of the upstream's group.
        @Sendable func fields() -> [Substring]? {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
            return stat[stat.index(after: close)...].split(separator: " ")
        }
        #expect(await eventually { fields().map { $0[2] == "\(pid)" } ?? false }, "\(String(describing: fields()))")
        await upstream.stop()
        // Gone: no entry, or a zombie its new parent has yet to reap.
        #expect(await eventually { fields().map { $0[0] == "Z" } ?? true }, "the escaped sleep \(pid) survived: \(String(describing: fields()))")
    }

    @Test func progressKeepsALongCallAliveAndSilenceEndsIt() async throws {
        let upstream = connection(try TestBinaries.referenceServer(), ["--tools", "3"])
        _ = try await upstream.tools(timeout: .seconds(60))
        // 12 steps of 400 ms (≈ 4.8 s) under a 2 s idle deadline: progress resets it every step.
        let steps = Mutex(0)
        let long = try await upstream.callTool("slow_operation", arguments: ["steps": 12, "step_ms": 400], timeout: .seconds(2)) { _ in
            steps.withLock { $0 += 1 }
        }
        #expect(!long.isError, "\(long.json)")
        #expect(steps.withLock { $0 } >= 12)
        // One silent 8 s step under the same 2 s idle deadline: cancelled as timed out.
        do {
            _ = try await upstream.callTool("slow_operation", arguments: ["steps": 1, "step_ms": 8000], timeout: .seconds(2), progress: nil)
            Issue.record("a silent call outlived its idle deadline")
        } catch {
            #expect("\(error)".contains("did not answer within"), "\(error)")
        }
        // The upstream is still fine afterwards.
        #expect(try await upstream.callTool("echo", arguments: ["text": "still here"], timeout: .seconds(60), progress: nil).text == "still here")
        await upstream.stop()
    }

    @Test func progressNeverCarriesACallPastTheAbsoluteCeiling() async throws {
        var options = Self.options()
        options.callCeiling = .seconds(1)
        let upstream = connection(try TestBinaries.referenceServer(), ["--tools", "3"], options: options)
        _ = try await upstream.tools(timeout: .seconds(60))
        // Progress every 100 ms for 6 s under a 10 s idle deadline: only the 1 s ceiling ends it.
        let steps = Mutex(0)
        let started = ContinuousClock.now
        do {
            _ = try await upstream.callTool("slow_operation", arguments: ["steps": 60, "step_ms": 100], timeout: .seconds(10)) { _ in
                steps.withLock { $0 += 1 }
            }
            Issue.record("a call outlived the ceiling")
        } catch {
            #expect("\(error)".contains("timed out after 1"), "\(error)")
        }
        #expect(steps.withLock { $0 } >= 1, "progress arrived before the ceiling")
        #expect(ContinuousClock.now - started < .seconds(5), "ended by the 1 s ceiling, not by the 6 s call")
        #expect(try await upstream.callTool("echo", arguments: ["text": "after"], timeout: .seconds(60), progress: nil).text == "after")
        await upstream.stop()
    }

    @Test func aToolListChangeOfA2026UpstreamArrivesThroughListenAndRefreshesTheCatalog() async throws {
        // The reference server negotiates 2026 with us, so it announces list changes only to the
        // `subscriptions/listen` stream the connection opens; without it nothing would arrive.
        let upstream = connection(try TestBinaries.referenceServer(), ["--tools", "3"])
        let before = try await upstream.tools(timeout: .seconds(60)).map(\.name)
        let changes = Mutex(0)
        upstream.onToolsChanged { changes.withLock { $0 += 1 } }
        _ = try await upstream.callTool("test_trigger_tool_change", arguments: [:], timeout: .seconds(10), progress: nil)
        #expect(await eventually { changes.withLock { $0 } >= 1 }, "the change was reported")
        let after = try await upstream.tools(timeout: .seconds(60)).map(\.name)
        #expect(after.count == before.count + 1 && after.contains { $0.hasPrefix("dynamic_tool_") }, "\(after)")
        await upstream.stop()
    }

    /// A question the upstream asks our caller is a person's to answer, and a person may take
    /// longer than the tool's timeout: the idle deadline stops while the question waits (here
    /// 1 s of timeout, an answer after 2.5 s), and starts again after it.
    @Test func theIdleDeadlineWaitsWhileTheCallersAnswerIsOutstanding() async throws {
        let upstream = connection(try TestBinaries.referenceServer(), ["--tools", "3"])
        _ = try await upstream.tools(timeout: .seconds(60))
        let asked = Mutex(0)
        let sink: InputRouter.Sink = { request in
            asked.withLock { $0 += 1 }
            try await Task.sleep(for: .milliseconds(2500))
            return ["action": "accept", "content": ["username": "slow-person"]]
        }
        let result = try await upstream.callTool("test_elicitation", arguments: [:], timeout: .seconds(1), input: sink,
                                                 callerCapabilities: ["elicitation": [:]])
        #expect(result.text.contains("slow-person"), "\(result.json)")
        #expect(asked.withLock { $0 } == 1)
        // Without a question the same timeout still ends a quiet call.
        await #expect(throws: UpstreamError.self) {
            _ = try await upstream.callTool("slow_operation", arguments: ["steps": 1, "step_ms": 5000], timeout: .seconds(1))
        }
        await upstream.stop()
    }

    /// The same pause for a handshake-era upstream, whose question is a server→client request
    /// (`elicitation/create`) that reaches the input router rather than the 2026 retry loop: the
    /// `mcp<2` FastMCP fixture's `ask_name`, a 1 s timeout, an answer after 2.5 s.
    @Test func theIdleDeadlineAlsoWaitsForAHandshakeEraUpstreamsQuestion() async throws {
        let python = try await LegacyFixture.python()
        let upstream = connection(python, [LegacyFixture.server])
        _ = try await upstream.tools(timeout: .seconds(60))
        let sink: InputRouter.Sink = { request in
            try await Task.sleep(for: .milliseconds(2500))
            return ["action": "accept", "content": ["name": "slow-person"]]
        }
        let result = try await upstream.callTool("ask_name", arguments: [:], timeout: .seconds(1), input: sink,
                                                 callerCapabilities: ["elicitation": [:]])
        #expect(result.text == "hello slow-person", "\(result.json)")
        await upstream.stop()
    }

    /// The calls a dying upstream takes with it are one failure: a crash with more calls in
    /// flight than the breaker's threshold must not also refuse every call for the cooldown;
    /// calls made right after the crash wait for the restart and succeed.
    @Test func aCrashWithManyCallsInFlightIsOneFailureAndCallsAfterItWaitForTheRestart() async throws {
        var options = Self.options()
        options.breakerThreshold = 3
        let upstream = connection(try TestBinaries.referenceServer(), ["--tools", "3"], options: options)
        _ = try await upstream.tools(timeout: .seconds(60))
        let pid = try #require(upstream.childPID)
        final class Running: Sendable { let ids = Mutex<Set<Int>>([]) }
        let running = Running()
        let calls = (0..<8).map { index in
            Task {
                try await upstream.callTool("slow_operation", arguments: ["steps": 100, "step_ms": 100], timeout: .seconds(30)) { _ in
                    running.ids.withLock { _ = $0.insert(index) }
                }
            }
        }
        #expect(await eventually { running.ids.withLock { $0.count } == 8 }, "the calls are running")
        kill(pid, SIGKILL)
        for call in calls {
            await #expect(throws: (any Error).self) { try await call.value }
        }
        // At once, during the restart: each waits for the new child and succeeds.
        for attempt in 0..<5 {
            let text = try await upstream.callTool("echo", arguments: ["text": .string("after \(attempt)")], timeout: .seconds(60)).text
            #expect(text == "after \(attempt)")
        }
        #expect(upstream.childPID != pid)
        await upstream.stop()
    }

    /// The server's pipe can close before its process exits (here a wrapper shell would linger
    /// 60 s after the server it started died): the connection is forgotten at once, so calls
    /// wait for the restart instead of failing on the closed pipe, and the lingering process is
    /// stopped, so the restart comes within a second instead of after it.
    @Test func callsAfterThePipeClosedWaitForTheRestartAndTheLingeringProcessIsStopped() async throws {
        let server = try TestBinaries.referenceServer()
        // (stdin through fd 3: dash gives a background job /dev/null even for an explicit `<&0`.)
        let upstream = connection("/bin/sh", ["-c", "exec 3<&0; \"$0\" --tools 3 <&3 & exec >&- 3<&-; wait; sleep 60", server])
        _ = try await upstream.tools(timeout: .seconds(60))
        let shell = try #require(upstream.childPID)
        let children = (try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)) ?? ""
        let serverPID = try #require(children.split(separator: " ").first.flatMap { Int32($0) }, "no server under the shell")
        kill(serverPID, SIGKILL)
        try await Task.sleep(for: .milliseconds(100))  // the pipe is closed; the shell would sleep on
        let started = ContinuousClock.now
        for attempt in 0..<3 {
            let text = try await upstream.callTool("echo", arguments: ["text": .string("after \(attempt)")], timeout: .seconds(60)).text
            #expect(text == "after \(attempt)")
        }
        #expect(ContinuousClock.now - started < .seconds(20), "the calls waited for the lingering process")
        #expect(upstream.childPID != shell)
        #expect(await eventually { !alive(shell) }, "the process whose stdout closed was stopped")
        await upstream.stop()
    }

    @Test func callersThatHangUpNeverOpenTheBreakerButAnUpstreamThatTimesOutDoes() async throws {
        var options = Self.options()
        options.breakerThreshold = 3
        let upstream = connection(try TestBinaries.referenceServer(), ["--tools", "3"], options: options)
        _ = try await upstream.tools(timeout: .seconds(60))
        // Twice the threshold of callers giving up on a slow call (as an HTTP client closing its
        // connection does): the upstream did nothing wrong, so calls keep flowing.
        for _ in 0..<6 {
            let call = Task { try await upstream.callTool("slow_operation", arguments: ["steps": 1, "step_ms": 5000], timeout: .seconds(30)) }
            try await Task.sleep(for: .milliseconds(50))
            call.cancel()
            _ = try? await call.value
        }
        #expect(try await upstream.callTool("echo", arguments: ["text": "open?"], timeout: .seconds(10)).text == "open?")
        // Three calls the upstream lets run past their idle deadline: now it is failing, and the
        // breaker refuses the next call without sending it.
        for _ in 0..<3 {
            await #expect(throws: UpstreamError.self) {
                try await upstream.callTool("slow_operation", arguments: ["steps": 1, "step_ms": 5000], timeout: .milliseconds(200))
            }
        }
        do {
            _ = try await upstream.callTool("echo", arguments: ["text": "x"], timeout: .seconds(10))
            Issue.record("the breaker stayed closed after three timeouts")
        } catch {
            #expect("\(error)".contains("circuit open"), "\(error)")
        }
        await upstream.stop()
    }

    /// The relay reuses a route while `wireEpoch` stays put, so the epoch must move whenever
    /// `wire` could answer differently: a connection made, the breaker opening, a success that
    /// closes it again. Calls that change nothing leave it alone.
    @Test func theWireEpochMovesWheneverTheWireMayChange() async throws {
        var options = Self.options()
        options.breakerThreshold = 2
        options.breakerCooldown = .milliseconds(300)
        let upstream = connection(try TestBinaries.referenceServer(), ["--tools", "3"], options: options)
        _ = try await upstream.tools(timeout: .seconds(60))
        let connected = upstream.wireEpoch.value
        #expect(connected > 0)
        #expect(try await upstream.callTool("echo", arguments: ["text": "a"], timeout: .seconds(10)).text == "a")
        #expect(upstream.wireEpoch.value == connected)
        #expect(!upstream.wireEpoch.hasFailures)
        for _ in 0..<2 {
            await #expect(throws: UpstreamError.self) {
                try await upstream.callTool("slow_operation", arguments: ["steps": 1, "step_ms": 5000], timeout: .milliseconds(200))
            }
        }
        let opened = upstream.wireEpoch.value
        #expect(opened != connected)
        #expect(upstream.wire == nil)
        #expect(upstream.wireEpoch.hasFailures)
        try await Task.sleep(for: .milliseconds(400))
        #expect(try await upstream.callTool("echo", arguments: ["text": "b"], timeout: .seconds(10)).text == "b")
        #expect(upstream.wireEpoch.value != opened)
        #expect(!upstream.wireEpoch.hasFailures)
        #expect(upstream.wire != nil)
        await upstream.stop()
    }
}
