@testable import Supervision
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The path taken on kernels without `pidfd_open`: a waiter thread per child hands the exit to
/// the host thread, which drains stderr, kills the group and reaps, exactly as with a pidfd.
@Suite("ChildProcess: waiter-thread fallback")
struct WaiterThreadFallbackTests {
    @Test("exit codes, stderr and signals are reported without a pidfd")
    func exitWithoutPidfd() async throws {
        let child = try await ChildProcess.spawn(
            TestSupport.shell("sleep 1000 & echo $!; echo last words >&2; exit 4"), forceWaiterThread: true)
        let grandchild = try #require(await TestSupport.readLines(child.stdoutFD, count: 1).first.flatMap { Int32($0) })
        #expect(await child.exitStatus == .exited(4))
        #expect(child.stderrSummary() == "last words")
        #expect(TestSupport.stat(child.pid) == nil)
        #expect(await TestSupport.eventually { TestSupport.isGone(grandchild) })

        let sleeper = try await ChildProcess.spawn(
            LaunchSpec(command: "/bin/sleep", arguments: ["1000"]), forceWaiterThread: true)
        #expect(await sleeper.waitForExit(timeout: .milliseconds(20)) == nil)
        #expect(sleeper.signalGroup(SIGKILL))
        #expect(await sleeper.exitStatus == .signaled(SIGKILL))
    }
}
