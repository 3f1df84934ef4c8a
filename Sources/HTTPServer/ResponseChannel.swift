import Synchronization

/// The Sendable path from one request's Task back to its connection's event loop.
///
/// Why: handler Tasks run on the cooperative pool and must never touch loop state. They post
/// messages; the loop reports back how many streamed bytes the kernel has taken (`release`) and
/// whether the client is gone (`disconnect(cancelling:)`). This is where back-pressure lives: `write`
/// counts bytes as pending and suspends above the high-water mark until the loop has sent enough
/// to bring pending down to the low-water mark.
final class ResponseChannel: Sendable {
    let loop: EventLoop
    let connectionID: UInt64
    private let highWater: Int
    private let lowWater: Int
    private let state = Mutex<State>(State())

    private struct State {
        var pending = 0
        var disconnected = false
        var finished = false
        var nextWaiter: UInt64 = 0
        var waiters: [Waiter] = []
    }

    private struct Waiter {
        let id: UInt64
        let threshold: Int
        let continuation: CheckedContinuation<Void, any Error>
    }

    init(loop: EventLoop, connectionID: UInt64, highWater: Int, lowWater: Int) {
        self.loop = loop
        self.connectionID = connectionID
        self.highWater = highWater
        self.lowWater = lowWater
    }

    var isDisconnected: Bool { state.withLock { $0.disconnected } }
    var pendingBytes: Int { state.withLock { $0.pending } }
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    // MARK: handler side

    func deliver(_ response: HTTPResponse) {
        loop.post(.response(connectionID, response))
    }

    /// Ends the stream; later writes throw `HTTPError.disconnected`.
    func finish() {
        state.withLock { $0.finished = true }
        loop.post(.end(connectionID))
    }

    func write(_ bytes: [UInt8]) async throws {
        let mustWait = try state.withLock { s throws -> Bool in
            if s.disconnected || s.finished { throw HTTPError.disconnected }
            s.pending += bytes.count
            return s.pending > highWater
        }
        guard !bytes.isEmpty else { return }
        loop.post(.chunk(connectionID, bytes))
        if mustWait { try await waitUntil(pendingAtMost: lowWater) }
    }

    func flush() async throws {
        try await waitUntil(pendingAtMost: 0)
    }

    private func waitUntil(pendingAtMost threshold: Int) async throws {
        let id = state.withLock { s -> UInt64 in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let immediate = state.withLock { s -> Result<Void, any Error>? in
                    if s.disconnected { return .failure(HTTPError.disconnected) }
                    if s.pending <= threshold { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    s.waiters.append(Waiter(id: id, threshold: threshold, continuation: c))
                    return nil
                }
                if let immediate { c.resume(with: immediate) }
            }
        } onCancel: {
            let removed = state.withLock { s -> (Waiter, Bool)? in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return (s.waiters.remove(at: i), s.disconnected)
            }
            if let (w, disconnected) = removed {
                w.continuation.resume(throwing: disconnected ? HTTPError.disconnected : CancellationError())
            }
        }
    }

    // MARK: loop side

    /// The kernel took `count` streamed payload bytes.
    func release(_ count: Int) {
        let ready = state.withLock { s -> [Waiter] in
            s.pending = max(0, s.pending - count)
            guard !s.waiters.isEmpty else { return [] }
            var ready: [Waiter] = []
            let pending = s.pending
            s.waiters.removeAll { w in
                if pending <= w.threshold { ready.append(w); return true }
                return false
            }
            return ready
        }
        for w in ready { w.continuation.resume() }
    }

    /// The client is gone: later writes throw `HTTPError.disconnected`, `task` is cancelled, and
    /// only then are suspended writers woken (with `.disconnected`), so a handler that sees the
    /// error also sees `Task.isCancelled`.
    func disconnect(cancelling task: Task<Void, Never>?) {
        let waiters = state.withLock { s -> [Waiter] in
            s.disconnected = true
            defer { s.waiters = [] }
            return s.waiters
        }
        task?.cancel()
        for w in waiters { w.continuation.resume(throwing: HTTPError.disconnected) }
    }
}
