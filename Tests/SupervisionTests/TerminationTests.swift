import Foundation
import Supervision
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("ChildProcess: shutdown and never orphaned")
struct TerminationTests {
    @Test("a child that exits on stdin EOF is done after closing stdin, no signal needed")
    func exitsOnEOF() async throws {
        let child = try await ChildProcess.spawn(LaunchSpec(command: "/bin/cat"))
        #expect(await child.terminate(grace: .seconds(30)) == .exited(0))
    }

    @Test("a child that ignores stdin EOF gets SIGTERM")
    func sigterm() async throws {
        let child = try await ChildProcess.spawn(LaunchSpec(command: "/bin/sleep", arguments: ["1000"]))
        // Ignoring stdin, sleep outlives the first grace; SIGTERM's default action ends it
        // (the second grace is only a hang guard).
        #expect(await child.terminate(grace: .seconds(2)) == .signaled(SIGTERM))
    }

    @Test("a child that ignores SIGTERM is SIGKILLed after the grace period")
    func sigkillAfterGrace() async throws {
        let child = try await ChildProcess.spawn(
            TestSupport.shell("trap '' TERM; echo ready; while :; do sleep 1; done"))
        #expect(await TestSupport.readLines(child.stdoutFD, count: 1) == ["ready"])
        #expect(await child.terminate(grace: .milliseconds(200)) == .signaled(SIGKILL))
    }

    @Test("terminate leaves no grandchild behind")
    func grandchildren() async throws {
        let child = try await ChildProcess.spawn(
            TestSupport.shell("sleep 1000 & echo $!; sleep 1000 & echo $!; wait"))
        let pids = await TestSupport.readLines(child.stdoutFD, count: 2).compactMap { Int32($0) }
        #expect(pids.count == 2)
        for pid in pids {
            #expect(!TestSupport.isGone(pid))
            #expect(TestSupport.stat(pid)?[2] == String(child.pid))  // in the child's group
        }
        _ = await child.terminate(grace: .milliseconds(200))
        for pid in pids {
            #expect(await TestSupport.eventually { TestSupport.isGone(pid) }, "grandchild \(pid) survived")
        }
    }

    @Test("terminate also ends a descendant that left the child's group and session (setsid)")
    func escapedDescendant() async throws {
        // The shell starts `setsid sleep`: a sleep in a session of its own, still the shell's child.
        let child = try await ChildProcess.spawn(TestSupport.shell("setsid sleep 1000 & echo $!; wait"))
        let pid = try #require(await TestSupport.readLines(child.stdoutFD, count: 1).compactMap { Int32($0) }.first)
        #expect(await TestSupport.eventually { TestSupport.stat(pid).map { $0[2] == String(pid) } ?? false }, "sleep \(pid) did not lead a group of its own")
        #expect(TestSupport.stat(pid)?[1] == String(child.pid))
        _ = await child.terminate(grace: .milliseconds(200))
        #expect(await TestSupport.eventually { TestSupport.isGone(pid) }, "the escaped sleep \(pid) survived shutdown")
    }

    @Test("grandchildren die with the child even when it exits by itself")
    func grandchildrenOnExit() async throws {
        let child = try await ChildProcess.spawn(TestSupport.shell("sleep 1000 & echo $!; read line; exit 0"))
        let pids = await TestSupport.readLines(child.stdoutFD, count: 1).compactMap { Int32($0) }
        #expect(pids.count == 1)
        TestSupport.write(child.stdinFD, "go\n")
        #expect(await child.exitStatus == .exited(0))
        for pid in pids {
            #expect(await TestSupport.eventually { TestSupport.isGone(pid) }, "grandchild \(pid) survived")
        }
    }

    @Test("dropping the last reference to a running child kills its group")
    func deinitKills() async throws {
        var child: ChildProcess? = try await ChildProcess.spawn(LaunchSpec(command: "/bin/sleep", arguments: ["1000"]))
        let pid = try #require(child?.pid)
        child = nil
        #expect(await TestSupport.eventually { TestSupport.stat(pid) == nil }, "child \(pid) still exists")
    }

    @Test("the child dies when its parent is SIGKILLed (PR_SET_PDEATHSIG)")
    func parentDeath() async throws {
        let probePath = try #require(TestSupport.probePath(), "SupervisionProbe not built next to the tests")
        let probe = try await ChildProcess.spawn(LaunchSpec(command: probePath, environment: TestSupport.basicEnvironment))
        let lines = await TestSupport.readLines(probe.stdoutFD, count: 1)
        let sleepPID = try #require(lines.first.flatMap { Int32($0) }, "probe said \(lines), stderr: \(probe.stderrSummary())")
        let fields = try #require(TestSupport.stat(sleepPID))
        #expect(fields[1] == String(probe.pid))  // the probe's child
        #expect(fields[0] != "Z")

        #expect(kill(probe.pid, SIGKILL) == 0)  // the probe only; the sleep is in its own group
        #expect(await probe.exitStatus == .signaled(SIGKILL))
        #expect(await TestSupport.eventually(timeout: .seconds(60)) { TestSupport.isGone(sleepPID) }, "sleep \(sleepPID) outlived its parent")
    }

    @Test("the exit watcher leaves no zombie children")
    func noZombies() async throws {
        var children: [ChildProcess] = []
        for _ in 0..<5 {
            children.append(try await ChildProcess.spawn(TestSupport.shell("exit 0")))
        }
        for child in children { #expect(await child.exitStatus == .exited(0)) }
        for child in children { #expect(TestSupport.stat(child.pid) == nil) }
        #expect(await TestSupport.eventually { TestSupport.zombieChildren().isEmpty })
    }
}
