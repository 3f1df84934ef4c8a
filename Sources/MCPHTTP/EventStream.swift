import JSON
import Synchronization

/// One SSE stream of a legacy session, with ids and a bounded replay buffer.
///
/// Legacy (2025-03-26 … 2025-11-25) clients may lose a stream and resume it with
/// `GET` + `Last-Event-ID`; a dropped connection is not a cancellation there. So events are
/// numbered (`<stream>-<n>`), the last `replayCapacity` are kept, and a new connection can attach
/// after any kept id. At most one connection is attached at a time.
final class EventStream: Sendable {
    private struct State {
        var seq = 0
        var buffer: [(seq: Int, frame: [UInt8])] = []
        var channel: FrameChannel?
        var finished = false
    }

    let id: String
    private let replayCapacity: Int
    private let channelCapacity: Int
    private let state = Mutex(State())

    init(id: String, replayCapacity: Int, channelCapacity: Int) {
        self.id = id
        self.replayCapacity = max(1, replayCapacity)
        self.channelCapacity = channelCapacity
    }

    /// Appends an event and delivers it to the attached connection, if any.
    func publish(_ message: JSONValue) {
        state.withLock { s in
            guard !s.finished else { return }
            s.seq += 1
            let frame = SSEFrame.message(message, id: "\(id)-\(s.seq)")
            s.buffer.append((s.seq, frame))
            if s.buffer.count > replayCapacity { s.buffer.removeFirst(s.buffer.count - replayCapacity) }
            if let c = s.channel, !c.send(frame) { s.channel = nil }
        }
    }

    /// No more events; an attached connection ends after the queued ones.
    func finish() {
        let c = state.withLock { s -> FrameChannel? in
            s.finished = true
            return s.channel
        }
        c?.close()
    }

    var isFinished: Bool { state.withLock { $0.finished } }
    var hasLiveConnection: Bool { state.withLock { $0.channel != nil } }

    /// Attaches a new connection that first receives the kept events after `lastSeq` (all kept
    /// events when nil). Returns nil when `lastSeq` is older than the buffer (events were lost).
    func attach(after lastSeq: Int?) -> FrameChannel? {
        state.withLock { s -> FrameChannel? in
            if let lastSeq, let oldest = s.buffer.first?.seq, lastSeq < oldest - 1 { return nil }
            s.channel?.close()
            let c = FrameChannel(capacity: channelCapacity)
            for e in s.buffer where lastSeq.map({ e.seq > $0 }) ?? true { c.send(e.frame) }
            if s.finished { c.close() } else { s.channel = c }
            return c
        }
    }

    /// Attaches a new connection that receives only events published from now on.
    func attachLive() -> FrameChannel {
        state.withLock { s -> FrameChannel in
            s.channel?.close()
            let c = FrameChannel(capacity: channelCapacity)
            if s.finished { c.close() } else { s.channel = c }
            return c
        }
    }

    /// Detaches `channel` if it is still the attached one (its connection went away).
    func detach(_ channel: FrameChannel) {
        state.withLock { s in
            if s.channel === channel { s.channel = nil }
        }
        channel.close()
    }

    /// Parses `<stream>-<n>` into its parts.
    static func parse(lastEventID: String) -> (stream: String, seq: Int)? {
        guard let dash = lastEventID.lastIndex(of: "-"), let n = Int(lastEventID[lastEventID.index(after: dash)...]) else { return nil }
        return (String(lastEventID[..<dash]), n)
    }
}
