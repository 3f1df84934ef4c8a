import Foundation
import Supervision
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Supervisor: restarts, crash loops, stop")
struct SupervisorTests {
    /// Quick, deterministic (no jitter) restarts for tests.
    static func policy(exits: Int = 5, cooldown: Duration? = nil) -> RestartPolicy {
        RestartPolicy(
            initialDelay: .milliseconds(10), multiplier: 2, maxDelay: .seconds(1), jitter: 0, crashLoopExits: exits,
            crashLoopWindow: .seconds(600), downCooldown: cooldown, stableAfter: .seconds(600))
    }

    struct PrepareFailure: Error, CustomStringConvertible {
        var description: String { "credential \"token\" is not set" }
    }

    @Test("prepare builds the launch again before every start; a throw is a failed start with its message")
    func prepareBeforeEveryStart() async throws {
        let reports = Collected<Supervisor.ExitReport>()
        let seen = Collected<Supervisor.Health>()
        let starts = Mutex(0)
        let supervisor = Supervisor(
            name: "prepared", spec: TestSupport.shell("exit 9"), policy: Self.policy(exits: 3),
            hooks: Supervisor.Hooks(onExit: { reports.append($0) }),
            prepare: {
                let n = starts.withLock { count -> Int in
                    count += 1
                    return count
                }
                if n == 2 { throw PrepareFailure() }
                return TestSupport.shell("echo start-\(n) >&2; exit 4")
            })
        let updates = supervisor.healthUpdates()
        let watcher = Task { for await health in updates { seen.append(health) } }
        defer { watcher.cancel() }
        supervisor.start()
        #expect(await TestSupport.eventually { supervisor.health.isDown && reports.count >= 2 })
        #expect(reports.all.map(\.stderrSummary) == ["start-1", "start-3"], "each start ran what prepare built, never the initial spec")
        #expect(reports.all.map(\.status) == [.exited(4), .exited(4)])
        #expect(seen.all.contains { if case .degraded(let r, _) = $0 { return r.contains("cannot prepare the launch: credential \"token\" is not set") } else { return false } },
                "\(seen.all)")
        await supervisor.stop()
    }

    @Test("the values a launch names as secrets never appear in what is reported of the child's stderr")
    func stderrRedactions() async throws {
        let reports = Collected<Supervisor.ExitReport>()
        var spec = TestSupport.shell("echo \"key=$KEY; again:$KEY; part:$PART\" >&2; exit 2")
        spec.environment["KEY"] = "hunter2-long-secret"
        spec.environment["PART"] = "hunter2"
        spec.redactions = ["hunter2", "hunter2-long-secret", ""]
        let supervisor = Supervisor(
            name: "leaky", spec: spec, policy: Self.policy(exits: 2), hooks: Supervisor.Hooks(onExit: { reports.append($0) }))
        supervisor.start()
        #expect(await TestSupport.eventually { reports.count >= 2 && supervisor.health.isDown })
        guard case .down(let reason, _) = supervisor.health else {
            Issue.record("expected down, got \(supervisor.health)")
            return
        }
        #expect(reason.hasSuffix("; last stderr: key=[redacted]; again:[redacted]; part:[redacted]"), "\(reason)")
        #expect(reports.all.allSatisfy { $0.stderrSummary == "key=[redacted]; again:[redacted]; part:[redacted]" })
        await supervisor.stop()
    }

    @Test("a crashing child is restarted with growing delays, then the supervisor is down on a crash loop")
    func crashLoop() async throws {
        let reports = Collected<Supervisor.ExitReport>()
        let seen = Collected<Supervisor.Health>()
        let supervisor = Supervisor(
            name: "crasher", spec: TestSupport.shell("echo starting; echo boom >&2; exit 3"), policy: Self.policy(),
            hooks: Supervisor.Hooks(onExit: { reports.append($0) }))
        let updates = supervisor.healthUpdates()
        let watcher = Task { for await health in updates { seen.append(health) } }
        defer { watcher.cancel() }

        supervisor.start()
        #expect(await TestSupport.eventually { reports.count >= 5 && supervisor.health.isDown })
        let all = reports.all
        #expect(all.count == 5)
        #expect(all.map(\.status) == Array(repeating: .exited(3), count: 5))
        #expect(all.map(\.restartAttempt) == [1, 2, 3, 4, nil])
        #expect(all.map(\.nextRestart) == [.milliseconds(10), .milliseconds(20), .milliseconds(40), .milliseconds(80), nil])
        #expect(all.allSatisfy { $0.stderrSummary == "boom" })
        #expect(Set(all.map(\.pid)).count == 5)  // five distinct children
        for report in all { #expect(TestSupport.stat(report.pid) == nil, "child \(report.pid) not reaped") }

        guard case .down(let reason, _) = supervisor.health else {
            Issue.record("expected down, got \(supervisor.health)")
            return
        }
        #expect(reason.hasPrefix("crash loop: exited 5 times in 600 s"))
        #expect(reason.hasSuffix("; last stderr: boom"))
        #expect(supervisor.child == nil)

        // The stream saw the whole story.
        #expect(await TestSupport.eventually { seen.all.last?.isDown == true })
        #expect(seen.all.contains(.starting))
        #expect(seen.all.contains { if case .degraded(let r, _) = $0 { return r.contains("restart 2 in 20 ms") } else { return false } })

        // reset() tries again from a clean history.
        supervisor.reset()
        #expect(await TestSupport.eventually { reports.count >= 10 && supervisor.health.isDown })
        #expect(reports.all[5].restartAttempt == 1)
        await supervisor.stop()
        #expect(await TestSupport.eventually { TestSupport.zombieChildren().isEmpty })
    }

    @Test("after a crash loop the cooldown starts the child again")
    func cooldown() async throws {
        let reports = Collected<Supervisor.ExitReport>()
        let supervisor = Supervisor(
            name: "cooldown", spec: TestSupport.shell("exit 1"), policy: Self.policy(exits: 2, cooldown: .milliseconds(50)),
            hooks: Supervisor.Hooks(onExit: { reports.append($0) }))
        supervisor.start()
        #expect(await TestSupport.eventually { reports.count >= 4 })
        #expect(reports.all.prefix(4).map(\.restartAttempt) == [1, nil, 1, nil])
        await supervisor.stop()
    }

    @Test("an unexpected exit of a healthy child is followed by a new child that comes up")
    func restartAfterKill() async throws {
        let reports = Collected<Supervisor.ExitReport>()
        let started = Collected<Int32>()
        let supervisor = Supervisor(
            name: "sleeper", spec: LaunchSpec(command: "sleep", arguments: ["1000"], environment: TestSupport.basicEnvironment),
            policy: Self.policy(), stopGrace: .milliseconds(200),
            hooks: Supervisor.Hooks(onStart: { started.append($0.pid) }, onExit: { reports.append($0) }))
        supervisor.start()
        #expect(await TestSupport.eventually { supervisor.health.isUp })
        let first = try #require(supervisor.child?.pid)
        #expect(kill(first, SIGKILL) == 0)
        #expect(await TestSupport.eventually { supervisor.health.isUp && supervisor.child.map { $0.pid != first } == true })
        #expect(started.all.count == 2)
        #expect(reports.all.first?.status == .signaled(SIGKILL))
        #expect(reports.all.first?.reason == "exited unexpectedly (signal 9 (SIGKILL))")

        let beforeTrouble = Date()
        supervisor.reportDegraded("ping failed")
        #expect(await TestSupport.eventually { { if case .degraded("ping failed", _) = supervisor.health { true } else { false } }() })
        guard case .degraded(_, let since) = supervisor.health else { Issue.record("\(supervisor.health)"); return }
        #expect(since >= beforeTrouble && since <= Date())
        // Still the same trouble: a later report keeps when it began.
        try await Task.sleep(for: .milliseconds(20))
        supervisor.reportDegraded("ping failed twice")
        #expect(await TestSupport.eventually { supervisor.health == .degraded(reason: "ping failed twice", since: since) }, "\(supervisor.health)")
        supervisor.reportRecovered()
        #expect(await TestSupport.eventually { supervisor.health.isUp })
        // Recovered: new trouble starts a new time.
        supervisor.reportDegraded("ping failed again")
        #expect(await TestSupport.eventually { { if case .degraded("ping failed again", let again) = supervisor.health { again > since } else { false } }() })
        await supervisor.stop()
        #expect(supervisor.health.isDown)
    }

    @Test("stop runs the shutdown sequence and leaves no child, grandchild or zombie")
    func stopLeavesNothing() async throws {
        let grandchildren = Collected<Int32>()
        let children = Collected<Int32>()
        let supervisor = Supervisor(
            name: "tree", spec: TestSupport.shell("sleep 1000 & echo $!; sleep 1000 & echo $!; wait"),
            policy: Self.policy(), stopGrace: .milliseconds(200),
            hooks: Supervisor.Hooks(onStart: { child in
                // What the MCP layer does here: talk to the child before declaring it up.
                children.append(child.pid)
                for line in await TestSupport.readLines(child.stdoutFD, count: 2) {
                    if let pid = Int32(line) { grandchildren.append(pid) }
                }
            }))
        supervisor.start()
        #expect(await TestSupport.eventually { supervisor.health.isUp })
        #expect(grandchildren.count == 2)
        for pid in grandchildren.all { #expect(!TestSupport.isGone(pid)) }

        await supervisor.stop()
        guard case .down(let reason, _) = supervisor.health else {
            Issue.record("expected down, got \(supervisor.health)")
            return
        }
        #expect(reason == "stopped")
        #expect(supervisor.child == nil)
        for pid in children.all { #expect(TestSupport.stat(pid) == nil, "child \(pid) not reaped") }
        for pid in grandchildren.all {
            #expect(await TestSupport.eventually { TestSupport.isGone(pid) }, "grandchild \(pid) survived")
        }
        #expect(await TestSupport.eventually { TestSupport.zombieChildren().isEmpty })

        // A stopped supervisor can start again.
        supervisor.start()
        #expect(await TestSupport.eventually { supervisor.health.isUp })
        #expect(children.count == 2)
        await supervisor.stop()
    }

    @Test("a start hook that throws counts as a failed start: the child is terminated and retried")
    func failingStartHook() async throws {
        struct HandshakeFailed: Error, CustomStringConvertible {
            var description: String { "handshake failed" }
        }
        let children = Collected<Int32>()
        let reports = Collected<Supervisor.ExitReport>()
        let supervisor = Supervisor(
            name: "rude", spec: LaunchSpec(command: "sleep", arguments: ["1000"], environment: TestSupport.basicEnvironment),
            policy: Self.policy(exits: 3), stopGrace: .milliseconds(100),
            hooks: Supervisor.Hooks(
                onStart: { child in
                    children.append(child.pid)
                    throw HandshakeFailed()
                },
                onExit: { reports.append($0) }))
        supervisor.start()
        #expect(await TestSupport.eventually { supervisor.health.isDown && reports.count >= 3 })
        #expect(children.count == 3)
        #expect(reports.all.allSatisfy { $0.reason == "start failed: handshake failed" })
        for pid in children.all { #expect(TestSupport.stat(pid) == nil, "child \(pid) not reaped") }
        if case .down(let reason, _) = supervisor.health {
            #expect(reason.contains("(last: start failed: handshake failed)"))
        }
        await supervisor.stop()
    }

    /// A server that hangs in its handshake until the start times out fails slower than any
    /// crash-loop window counts (here: a window of 100 ms, starts that fail after 300 ms), and
    /// its long start must not pass for a stable run that resets the backoff (stableAfter 200 ms).
    @Test("starts that never become ready are a crash loop at any pace, with growing delays")
    func slowFailedStartsAreACrashLoop() async throws {
        struct HandshakeTimedOut: Error, CustomStringConvertible {
            var description: String { "handshake timed out" }
        }
        let reports = Collected<Supervisor.ExitReport>()
        let supervisor = Supervisor(
            name: "hung", spec: LaunchSpec(command: "sleep", arguments: ["1000"], environment: TestSupport.basicEnvironment),
            policy: RestartPolicy(initialDelay: .milliseconds(10), multiplier: 2, maxDelay: .seconds(1), jitter: 0, crashLoopExits: 4,
                                  crashLoopWindow: .milliseconds(100), downCooldown: nil, stableAfter: .milliseconds(200)),
            stopGrace: .milliseconds(100),
            hooks: Supervisor.Hooks(
                onStart: { _ in
                    try await Task.sleep(for: .milliseconds(300))
                    throw HandshakeTimedOut()
                },
                onExit: { reports.append($0) }))
        supervisor.start()
        // Four starts one after another: generous, since the first seconds of a full `swift test`
        // can stall every test for 20 s (dozens of Python peers starting on two cores).
        #expect(await TestSupport.eventually(timeout: .seconds(120)) { reports.count >= 4 && supervisor.health.isDown })
        #expect(reports.all.map(\.restartAttempt) == [1, 2, 3, nil], "\(reports.all.map(\.restartAttempt))")
        if case .down(let reason, _) = supervisor.health {
            #expect(reason.contains("handshake timed out"), "\(reason)")
        }
        await supervisor.stop()
    }

    @Test("a command that cannot be spawned ends in a crash loop that says why")
    func spawnFailure() async throws {
        let supervisor = Supervisor(
            name: "missing", spec: LaunchSpec(command: "no-such-command-xyz", environment: ["PATH": "/usr/bin:/bin"]),
            policy: Self.policy(exits: 3))
        supervisor.start()
        #expect(await TestSupport.eventually { Self.reason(supervisor.health).hasPrefix("crash loop") })
        #expect(Self.reason(supervisor.health).contains("command not found: 'no-such-command-xyz'"))
        await supervisor.stop()
    }

    @Test("dropping a supervisor stops its child")
    func dropStops() async throws {
        let children = Collected<Int32>()
        var supervisor: Supervisor? = Supervisor(
            name: "dropped", spec: LaunchSpec(command: "/bin/cat"), policy: Self.policy(),
            hooks: Supervisor.Hooks(onStart: { children.append($0.pid) }))
        supervisor?.start()
        #expect(await TestSupport.eventually { supervisor?.health.isUp == true })
        let pid = try #require(children.all.first)
        supervisor = nil
        #expect(await TestSupport.eventually { TestSupport.stat(pid) == nil }, "child \(pid) outlived its supervisor")
    }

    static func reason(_ health: Supervisor.Health) -> String {
        if case .down(let reason, _) = health { return reason }
        return ""
    }
}
