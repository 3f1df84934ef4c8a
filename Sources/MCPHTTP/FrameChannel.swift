import Synchronization

/// A bounded, single-consumer queue of SSE frames between the tasks that produce events and the
/// task that writes them to the socket.
///
/// Producers never block; if the consumer falls more than `capacity` frames behind, the channel
/// closes as overflowed rather than buffering without bound (the client is too slow or gone).
public final class FrameChannel: Sendable {
    private struct State {
        var frames: [[UInt8]] = []
        var head = 0
        var closed = false
        var overflowed = false
        var waiter: CheckedContinuation<[UInt8]?, Never>?
        var firstArrival: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    public let capacity: Int

    public init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    /// Queues a frame; false when the channel is closed or just overflowed.
    @discardableResult
    public func send(_ frame: [UInt8]) -> Bool {
        let (waiter, arrivals, ok) = state.withLock { s -> (CheckedContinuation<[UInt8]?, Never>?, [CheckedContinuation<Void, Never>], Bool) in
            guard !s.closed else { return (nil, [], false) }
            let arrivals = s.firstArrival
            s.firstArrival = []
            if let w = s.waiter {
                s.waiter = nil
                return (w, arrivals, true)
            }
            if s.frames.count - s.head >= capacity {
                s.closed = true
                s.overflowed = true
                return (nil, arrivals, false)
            }
            s.frames.append(frame)
            return (nil, arrivals, true)
        }
        for a in arrivals { a.resume() }
        waiter?.resume(returning: frame)
        return ok
    }

    /// The next frame, or nil once the channel is closed and drained.
    public func next() async -> [UInt8]? {
        await withCheckedContinuation { (c: CheckedContinuation<[UInt8]?, Never>) in
            let ready = state.withLock { s -> (frame: [UInt8]?, done: Bool) in
                if s.head < s.frames.count {
                    let f = s.frames[s.head]
                    s.head += 1
                    if s.head > 64 && s.head * 2 > s.frames.count {
                        s.frames.removeFirst(s.head)
                        s.head = 0
                    }
                    return (f, false)
                }
                if s.closed { return (nil, true) }
                s.waiter = c
                return (nil, false)
            }
            if let f = ready.frame { c.resume(returning: f) } else if ready.done { c.resume(returning: nil) }
        }
    }

    public var isEmpty: Bool { state.withLock { $0.head == $0.frames.count } }
    public var overflowed: Bool { state.withLock { $0.overflowed } }

    /// Suspends until the first frame is queued or the channel closes.
    public func waitForFirstFrame() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.head < s.frames.count || s.closed { return true }
                s.firstArrival.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    /// No more frames will come; the consumer drains what is queued, then gets nil.
    public func close() {
        let (waiter, arrivals) = state.withLock { s -> (CheckedContinuation<[UInt8]?, Never>?, [CheckedContinuation<Void, Never>]) in
            s.closed = true
            let w = s.head == s.frames.count ? s.waiter : nil
            if w != nil { s.waiter = nil }
            defer { s.firstArrival = [] }
            return (w, s.firstArrival)
        }
        waiter?.resume(returning: nil)
        for a in arrivals { a.resume() }
    }
}
