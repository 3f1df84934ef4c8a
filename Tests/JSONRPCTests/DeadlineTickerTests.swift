import Synchronization
import Testing
@testable import JSONRPC

@Suite("Deadline ticker")
struct DeadlineTickerTests {
    @Test func aDueActionRunsOnceAndACancelledOneNever() async throws {
        let ticker = DeadlineTicker(resolution: .milliseconds(5))
        let fired = Mutex<[String]>([])
        _ = ticker.schedule(after: .milliseconds(10)) { fired.withLock { $0.append("due") } }
        let cancelled = ticker.schedule(after: .milliseconds(10)) { fired.withLock { $0.append("cancelled") } }
        ticker.cancel(cancelled)
        let deadline = ContinuousClock.now + .seconds(60)
        while ticker.pendingCount > 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(ticker.pendingCount == 0)
        #expect(fired.withLock { $0 } == ["due"])
        ticker.stop()
    }

    @Test func answeredRequestsLeaveNoDeadlineBehind() async throws {
        let sink = RecordingSink()
        let peer = JSONRPCPeer(sink: sink)
        async let answer = peer.request("m", timeout: .seconds(300))
        let sent = await sink.next { if case .request = $0 { return true }; return false }
        guard case .request(let r) = sent else { return }
        #expect(peer.pendingDeadlines == 1)
        peer.receive(.response(JSONRPCResponse(id: r.id, result: "ok")))
        #expect(try await answer == "ok")
        #expect(peer.pendingDeadlines == 0)
    }
}
