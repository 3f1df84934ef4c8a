#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import Testing
import JSON
@testable import JSONRPC

/// Collects what a peer sends and lets a test wait for a particular message.
final class RecordingSink: JSONRPCMessageSink, Sendable {
    private let state = Mutex<(messages: [JSONRPCMessage], waiters: [(predicate: @Sendable (JSONRPCMessage) -> Bool, cont: CheckedContinuation<JSONRPCMessage, Never>)])>(([], []))

    func send(_ message: JSONRPCMessage) {
        let ready = state.withLock { s -> [CheckedContinuation<JSONRPCMessage, Never>] in
            s.messages.append(message)
            var hit: [CheckedContinuation<JSONRPCMessage, Never>] = []
            s.waiters.removeAll { w in
                if w.predicate(message) { hit.append(w.cont); return true }
                return false
            }
            return hit
        }
        for c in ready { c.resume(returning: message) }
    }

    var messages: [JSONRPCMessage] { state.withLock { $0.messages } }

    func next(where predicate: @escaping @Sendable (JSONRPCMessage) -> Bool) async -> JSONRPCMessage {
        await withCheckedContinuation { cont in
            let existing = state.withLock { s -> JSONRPCMessage? in
                if let m = s.messages.first(where: predicate) { return m }
                s.waiters.append((predicate, cont))
                return nil
            }
            if let existing { cont.resume(returning: existing) }
        }
    }

    func response(_ id: RequestID) async -> JSONRPCResponse {
        let m = await next { if case .response(let r) = $0 { return r.id == id }; return false }
        guard case .response(let r) = m else { fatalError() }
        return r
    }
}

/// A sink that records, as each message is handed to it, how many requests its peer still
/// counts in flight (without blocking: a test must never hold a pool thread).
final class CountingSink: JSONRPCMessageSink, Sendable {
    let peer = Mutex<JSONRPCPeer?>(nil)
    let seen = Mutex<[Int]>([])
    func send(_ message: JSONRPCMessage) {
        let count = peer.withLock { $0 }?.inFlightCount ?? -1
        seen.withLock { $0.append(count) }
    }
}

/// A gate a test opens when it wants a handler to continue.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    func wait() async {
        await withCheckedContinuation { c in
            let go = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiters.append(c)
                return false
            }
            if go { c.resume() }
        }
    }
    func open() {
        let w = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for c in w { c.resume() }
    }
}

@Suite("JSON-RPC peer")
struct PeerTests {
    @Test func aSlowRequestDoesNotHoldUpAFastOne() async throws {
        let sink = RecordingSink()
        let peer = JSONRPCPeer(sink: sink)
        let gate = Gate()
        peer.setHandlers(request: { r in
            if r.method == "slow" { await gate.wait() }
            return .success(.string(r.method))
        }, notification: nil)
        peer.receive(.request(JSONRPCRequest(id: .int(1), method: "slow")))
        peer.receive(.request(JSONRPCRequest(id: .int(2), method: "fast")))
        let fast = await sink.response(.int(2))
        #expect(try fast.outcome.get() == "fast")
        #expect(sink.messages.count == 1)
        gate.open()
        let slow = await sink.response(.int(1))
        #expect(try slow.outcome.get() == "slow")
    }

    @Test func aCancelledRequestIsNeverAnsweredAndItsTaskIsCancelled() async throws {
        let sink = RecordingSink()
        let peer = JSONRPCPeer(sink: sink)
        let sawCancel = Gate()
        peer.setHandlers(request: { r in
            if r.method == "wait" {
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(1)) }
                sawCancel.open()
                return .success("too late")
            }
            return .success("ok")
        }, notification: nil)
        peer.receive(.request(JSONRPCRequest(id: .string("w"), method: "wait")))
        peer.receive(.notification(JSONRPCNotification(method: "notifications/cancelled", params: ["requestId": "w", "reason": "user"])))
        await sawCancel.wait()
        peer.receive(.request(JSONRPCRequest(id: .int(9), method: "after")))
        _ = await sink.response(.int(9))
        await peer.drain()
        #expect(!sink.messages.contains { if case .response(let r) = $0 { return r.id == .string("w") }; return false })
    }

    /// A transport exits once `inFlightCount` is zero (stdio after EOF); a request whose handler
    /// has returned but whose answer is still on its way to the sink must still count, or the
    /// process exits with the answer unwritten (seen in CI: a tools/list followed by EOF got no
    /// answer and exit status 0).
    @Test func aRequestCountsInFlightUntilItsAnswerIsHandedToTheSink() async throws {
        let sink = CountingSink()
        let peer = JSONRPCPeer(sink: sink)
        sink.peer.withLock { $0 = peer }
        peer.setHandlers(request: { _ in .success("done") }, notification: nil)
        peer.receive(.request(JSONRPCRequest(id: .int(1), method: "m")))
        await peer.drain()
        #expect(sink.seen.withLock { $0 } == [1], "the answer being handed over still counts as in flight")
        #expect(peer.inFlightCount == 0)
    }

    /// Runs `body` on a thread of its own (never one of the cooperative pool's) and returns its
    /// value without blocking the pool while waiting.
    private static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { cont in
            let thread = Thread { cont.resume(returning: body()) }
            thread.start()
        }
    }

    /// `startInline` (what the stdio server asks for a read's last request): the handler runs on
    /// the caller's thread until it first suspends, so a handler that never suspends has
    /// answered before `receive` returns; after a suspension it goes on elsewhere and the
    /// caller is not held. Without it the handler never runs on the caller's thread.
    @Test func anInlineRequestRunsOnTheCallersThreadUntilItSuspends() async throws {
        let sink = RecordingSink()
        let peer = JSONRPCPeer(sink: sink)
        let gate = Gate()
        let threads = Mutex<[String: UInt]>([:])
        let handler: JSONRPCPeer.RequestHandler = { r in
            threads.withLock { $0[r.method] = UInt(pthread_self()) }
            if r.method == "waits" { await gate.wait() }
            return .success(.string(r.method))
        }
        let (caller, answeredBeforeReturn) = await Self.onOwnThread { () -> (UInt, Bool) in
            peer.receive(request: JSONRPCRequest(id: .int(1), method: "quick"), handler: handler, startInline: true)
            let answered = sink.messages.contains { if case .response(let r) = $0 { return r.id == .int(1) }; return false }
            peer.receive(request: JSONRPCRequest(id: .int(2), method: "waits"), handler: handler, startInline: true)
            return (UInt(pthread_self()), answered)
        }
        #expect(answeredBeforeReturn, "a handler that never suspends answers on the reader's thread, before receive returns")
        #expect(threads.withLock { $0["quick"] } == caller)
        #expect(threads.withLock { $0["waits"] } == caller, "the waiting handler started on the caller's thread too")
        gate.open()
        #expect(try await sink.response(.int(2)).outcome.get() == "waits")

        let pooled = await Self.onOwnThread { () -> UInt in
            peer.receive(request: JSONRPCRequest(id: .int(3), method: "pooled"), handler: handler)
            return UInt(pthread_self())
        }
        #expect(try await sink.response(.int(3)).outcome.get() == "pooled")
        #expect(threads.withLock { $0["pooled"] } != pooled)
    }

    @Test func unknownCancellationsAreIgnored() async {
        let sink = RecordingSink()
        let peer = JSONRPCPeer(sink: sink)
        peer.setHandlers(request: { _ in .success(1) }, notification: nil)
        peer.receive(.notification(JSONRPCNotification(method: "notifications/cancelled", params: ["requestId": 404])))
        peer.receive(.request(JSONRPCRequest(id: .int(1), method: "m")))
        _ = await sink.response(.int(1))
        #expect(sink.messages.count == 1)
    }

    @Test func aDuplicateInFlightIDIsRefusedWithoutDisturbingTheFirst() async throws {
        let sink = RecordingSink()
        let peer = JSONRPCPeer(sink: sink)
        let gate = Gate()
        peer.setHandlers(request: { _ in
            await gate.wait()
            return .success("first")
        }, notification: nil)
        peer.receive(.request(JSONRPCRequest(id: .int(5), method: "a")))
        peer.receive(.request(JSONRPCRequest(id: .int(5), method: "b")))
        let refusal = await sink.response(.int(5))
        if case .failure(let e) = refusal.outcome { #expect(e.code == .invalidRequest) } else { Issue.record("expected refusal") }
        gate.open()
        await peer.drain()
        let answers = sink.messages.compactMap { m -> JSONRPCResponse? in if case .response(let r) = m { return r }; return nil }
        #expect(answers.count == 2)
        #expect(try answers[1].outcome.get() == "first")
    }

    @Test func ourRequestsAreCorrelatedByIDEvenOutOfOrder() async throws {
        let sink = RecordingSink()
        let peer = JSONRPCPeer(sink: sink)
        async let a = peer.request("first")
        async let b = peer.request("second")
        let sentA = await sink.next { if case .request(let r) = $0 { return r.method == "first" }; return false }
        let sentB = await sink.next { if case .request(let r) = $0 { return r.method == "second" }; return false }
        guard case .request(let ra) = sentA, case .request(let rb) = sentB else { return }
        peer.receive(.response(JSONRPCResponse(id: rb.id, result: "B")))
        peer.receive(.response(JSONRPCResponse(id: ra.id, result: "A")))
        #expect(try await a == "A")
        #expect(try await b == "B")
    }

    @Test func ourRequestTimesOutAndTellsTheOtherSide() async {
        let sink = RecordingSink()
        let peer = JSONRPCPeer(sink: sink)
        do {
            _ = try await peer.request("never", timeout: .milliseconds(20))
            Issue.record("expected a timeout")
        } catch {
            #expect(error.code == JSONRPCPeer.requestTimeout)
        }
        let cancel = await sink.next { if case .notification(let n) = $0 { return n.method == "notifications/cancelled" }; return false }
        guard case .notification(let n) = cancel else { return }
        #expect(n.params?["reason"] == "timeout")
    }

    @Test func closingFailsPendingRequests() async {
        let sink = RecordingSink()
        let peer = JSONRPCPeer(sink: sink)
        async let pending: JSONValue = peer.request("x", timeout: nil)
        _ = await sink.next { if case .request = $0 { return true }; return false }
        peer.close()
        do {
            _ = try await pending
            Issue.record("expected failure")
        } catch {
            #expect((error as? JSONRPCError)?.code == JSONRPCPeer.connectionClosed)
        }
    }
}
