import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `python/subreaper.py`, the orphan check of the gateway and soak tests, checked to be able to
/// fail: a command that leaves a process behind is named and turns the status into 86.
@Suite("subreaper.py: the orphans of one command tree")
struct SubreaperTests {
    static let script = Interop.scripts.appendingPathComponent("subreaper.py").path

    @Test func aProcessLeftBehindIsNamedKilledAndFailsTheRun() async throws {
        let marker = "sleep 97.\(Int.random(in: 100_000...999_999))"
        // The background sleep is the orphan: its shell exits at once without waiting for it.
        let result = await Interop.run("/usr/bin/python3", [Self.script, "--", "sh", "-c", "\(marker) & echo started $!; exit 0"], timeout: 60)
        #expect(result.status == 86, "\(result.output)")
        #expect(result.output.contains("orphaned: "), "\(result.output)")
        #expect(result.output.contains(marker), "the orphan's command line is named: \(result.output)")
        let pid = try #require(result.output.split(separator: "\n").first { $0.hasPrefix("started ") }.flatMap { Int32($0.dropFirst(8)) })
        #expect(kill(pid, 0) != 0, "the orphan \(pid) was killed")
    }

    @Test func aCleanCommandKeepsItsStatusAndTermIsPassedOn() async throws {
        let clean = await Interop.run("/usr/bin/python3", [Self.script, "--", "sh", "-c", "sleep 0.1 & wait; exit 3"], timeout: 60)
        #expect(clean.status == 3, "\(clean.output)")
        #expect(!clean.output.contains("orphaned:"), "\(clean.output)")
        // SIGTERM to the wrapper reaches the command (which reports it and exits 0). The command
        // unblocks SIGTERM itself: under swift test every child inherits it blocked.
        // The handler comes first, so a SIGTERM already pending when it unblocks is handled too.
        let command = "import signal, sys, time; signal.signal(signal.SIGTERM, lambda *_: (print('got TERM', flush=True), sys.exit(0))); "
            + "signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM]); time.sleep(30)"
        let handled = await Interop.run("/usr/bin/env", ["sh", "-c",
            "/usr/bin/python3 \(Self.script) -- /usr/bin/python3 -c \"\(command)\" & w=$!; sleep 1; kill -TERM $w; wait $w"],
            timeout: 60)
        #expect(handled.status == 0, "\(handled.output)")
        #expect(handled.output.contains("got TERM"), "\(handled.output)")
    }
}
