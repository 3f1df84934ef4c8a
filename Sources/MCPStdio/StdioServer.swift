#if canImport(Glibc)
import Glibc
#endif
import JSON
import JSONRPC
import MCPServer
import StdioTransport
import Synchronization

/// Serves one `MCPServer` to the client on the other end of stdin/stdout.
///
/// Stdout must carry protocol messages only — one stray banner breaks desktop clients — so the
/// protocol moves to a private duplicate of fd 1, and fd 1 itself is pointed at stderr: anything
/// printed by accident lands in the log, never in the stream.
public enum StdioServer {
    public struct Limits: Sendable {
        /// Longest accepted line; longer ones are discarded and answered with −32600.
        public var maxLineBytes: Int
        public var json: JSONParser.Limits
        /// How long running requests may finish after stdin closes.
        public var shutdownGrace: Duration
        /// Requests running at once; beyond it we stop reading stdin until one finishes.
        public var maxInFlight: Int

        public init(maxLineBytes: Int = 4 << 20, json: JSONParser.Limits = .default, shutdownGrace: Duration = .seconds(2), maxInFlight: Int = 256) {
            self.maxLineBytes = maxLineBytes
            self.json = json
            self.shutdownGrace = shutdownGrace
            self.maxInFlight = maxInFlight
        }
    }

    /// A lane that answers some requests without the engine (the gateway's `ToolCallRelay`):
    /// `offer` sees each line first and returns true for those it took; `batchEnd` follows every
    /// read from stdin; `finish` lets its calls end (up to the grace) once stdin closed.
    public struct Lane: Sendable {
        public var offer: @Sendable (UnsafeBufferPointer<UInt8>) -> Bool
        public var batchEnd: @Sendable () -> Void
        public var finish: @Sendable (Duration) async -> Void
        public init(offer: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> Bool, batchEnd: @escaping @Sendable () -> Void,
                    finish: @escaping @Sendable (Duration) async -> Void) {
            self.offer = offer
            self.batchEnd = batchEnd
            self.finish = finish
        }
    }

    /// Makes the lane for a connection; `emit` writes complete lines into the same stream as
    /// the engine's answers.
    public typealias LaneFactory = @Sendable (_ connection: ServerConnection, _ emit: @escaping @Sendable ([UInt8]) -> Void) -> Lane

    /// Runs until stdin reaches end of file and running requests are done (or the grace ends).
    /// `principal`: who the client is (binds `requestState`, names the requester of approvals).
    public static func run(_ server: MCPServer, principal: String = "local", limits: Limits = Limits(), lane makeLane: LaneFactory? = nil) async {
        signal(SIGPIPE, SIG_IGN)
        let protocolFD = dup(1)
        dup2(2, 1)
        let writer = LineWriter(fd: protocolFD >= 0 ? protocolFD : 1)
        // With other answers still to come, an answer waits for theirs (one write per round, see
        // `LineWriter.writeLineSoon`); a lone answer is written at once. (The count includes the
        // request being answered, and leaves out open `subscriptions/listen` streams.)
        let owner = Mutex<ServerConnection?>(nil)
        let connection = ServerConnection(server: server, principal: principal, limits: limits.json, maxInFlight: limits.maxInFlight) { bytes in
            if let owner = owner.withLock({ $0 }), owner.answersDue > 1 { writer.writeLineSoon(bytes) } else { writer.writeLine(bytes) }
        }
        owner.withLock { $0 = connection }
        defer { owner.withLock { $0 = nil } }  // the connection's writer holds `owner`: no cycle past the end
        let maxLine = limits.maxLineBytes
        let lane = makeLane?(connection, { writer.writeLines($0) })
        // The closures on their own, not the lane: copying the struct per line retained all three.
        let offer = lane?.offer, batchEnd = lane?.batchEnd
        // The answers to one read's requests leave in one write: held while the read is handed
        // to the engine, released after its last line (see `LineWriter.hold`). A request that
        // asks the client something meanwhile gives its slot back while it waits (see
        // `RequestSlots`), so a held question never keeps the reader waiting for that slot.
        let holding = Atomic<Bool>(false)
        await LineReader(fd: 0, maxLineBytes: maxLine).run { event in
            switch event {
            case .line(let bytes, let more):
                if let offer, offer(bytes) { return }
                if !holding.exchange(true, ordering: .relaxed) { writer.hold() }
                // The read's last request runs on this thread until it suspends: a lone request
                // (a client waiting for each answer) is answered without waking a pool thread.
                // Earlier lines of a batch still start on the pool, so they overlap the reading.
                connection.receive(bytes: bytes, inline: !more)
            case .oversized(let count): connection.receiveOversized(byteCount: count, limit: maxLine)
            case .batchEnd:
                if holding.exchange(false, ordering: .relaxed) { writer.release() }
                batchEnd?()
            }
        }
        async let engine: Void = connection.finish(grace: limits.shutdownGrace)
        await lane?.finish(limits.shutdownGrace)
        await engine
        writer.flush()
    }
}
