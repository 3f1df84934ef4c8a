import JSON
import Synchronization

/// One end of a JSON-RPC conversation: runs incoming requests concurrently, correlates responses
/// to our own requests, and carries cancellation both ways.
///
/// Every incoming request runs in its own task, so a slow request never holds up a fast one and
/// responses leave in completion order. A cancellation notification for an in-flight request
/// cancels its task and suppresses its response (the protocol says a cancelled request is never
/// answered). Our own requests time out, and on timeout or task cancellation the other side is
/// told with the same cancellation notification. The peer knows nothing of the protocol above it
/// except the name of that notification.
public final class JSONRPCPeer: Sendable {
    public struct Configuration: Sendable {
        /// Method of the cancellation notification, whose params carry `requestId` and `reason`.
        public var cancelMethod: String
        /// Timeout for our requests when the caller gives none; nil waits forever.
        public var defaultRequestTimeout: Duration?

        public init(cancelMethod: String = "notifications/cancelled", defaultRequestTimeout: Duration? = .seconds(60)) {
            self.cancelMethod = cancelMethod
            self.defaultRequestTimeout = defaultRequestTimeout
        }
    }

    public typealias RequestHandler = @Sendable (JSONRPCRequest) async -> Result<JSONValue, JSONRPCError>
    public typealias NotificationHandler = @Sendable (JSONRPCNotification) -> Void

    /// Locally generated codes, outside the range the spec reserves for itself (same as the SDKs).
    public static let connectionClosed = JSONRPCErrorCode(-32000)
    public static let requestTimeout = JSONRPCErrorCode(-32001)

    private struct Inbound {
        var task: Task<Void, Never>?
        var cancelled = false
    }

    private struct State {
        var inbound: [RequestID: Inbound] = [:]
        var outbound: [RequestID: CheckedContinuation<Result<JSONValue, JSONRPCError>, Never>] = [:]
        var nextID: Int64 = 1
        var closed = false
        var timers: [RequestID: UInt64] = [:]
        /// Requests whose handler is done and whose answer is being handed to the sink.
        var answering = 0
    }

    private let sink: any JSONRPCMessageSink
    private let configuration: Configuration
    /// Deadlines of our requests (shared ticker: a sleeping task per request would pin memory).
    private var deadlines: DeadlineTicker { .shared }
    private let state = Mutex(State())
    private let handlers = Mutex<(RequestHandler?, NotificationHandler?)>((nil, nil))

    public init(sink: any JSONRPCMessageSink, configuration: Configuration = Configuration()) {
        self.sink = sink
        self.configuration = configuration
    }

    /// Installs the handlers. Separate from `init` so handlers can capture the peer.
    public func setHandlers(request: RequestHandler?, notification: NotificationHandler?) {
        handlers.withLock { $0 = (request, notification) }
    }

    /// Deadlines this peer still holds for its own requests.
    var pendingDeadlines: Int { state.withLock { $0.timers.count } }

    /// Number of incoming requests still running.
    /// A request counts until its answer has been handed to the sink (not merely until its handler
    /// returned), so a transport that waits for this to reach zero before it exits never drops
    /// an answer that was about to be written.
    public var inFlightCount: Int { state.withLock { $0.inbound.count + $0.answering } }

    // MARK: incoming

    /// Dispatches one incoming message. Notifications are handled synchronously in arrival order;
    /// requests start their own task; responses resume the request that waits for them.
    public func receive(_ message: JSONRPCMessage) {
        switch message {
        case .request(let request): receive(request: request, handler: nil)
        case .notification(let n):
            if n.method == configuration.cancelMethod {
                if let id = n.params?["requestId"].flatMap(RequestID.init) { cancelInbound(id) }
                return
            }
            handlers.withLock { $0.1 }?(n)
        case .response(let r):
            guard let id = r.id else { return }
            let (cont, timer) = state.withLock { ($0.outbound.removeValue(forKey: id), $0.timers.removeValue(forKey: id)) }
            if let timer { deadlines.cancel(timer) }
            cont?.resume(returning: r.outcome)  // late or unknown responses are dropped
        }
    }

    /// Runs an incoming request with an explicit handler (or the installed one) in its own task.
    /// `respond` routes the response somewhere other than the sink (HTTP: the request's own
    /// stream); it receives nil when the request was cancelled and must stay unanswered.
    ///
    /// `startInline` starts that task on the calling thread, where it runs until its first real
    /// suspension (`Task.immediate`): a reader thread with nothing else to read answers a lone
    /// request itself instead of waking a pool thread and sleeping — two context switches less
    /// per request, which is most of a sequential round trip's cost beyond the work. Only for
    /// callers that hold no lock and may be kept busy by the handler's synchronous part.
    public func receive(request: JSONRPCRequest, handler explicit: RequestHandler?, startInline: Bool = false,
                        respond route: (@Sendable (JSONRPCResponse?) -> Void)? = nil) {
        let answer: @Sendable (JSONRPCResponse?) -> Void = { [sink] r in
            if let route { route(r) } else if let r { sink.send(.response(r)) }
        }
        guard let handler = explicit ?? handlers.withLock({ $0.0 }) else {
            answer(JSONRPCResponse(id: request.id, error: .methodNotFound(request.method)))
            return
        }
        let fresh = state.withLock { s -> Bool in
            // One hash of the id in the usual case; a duplicate puts the first request's entry back.
            guard let first = s.inbound.updateValue(Inbound(), forKey: request.id) else { return true }
            s.inbound[request.id] = first
            return false
        }
        guard fresh else {
            // Answering would be ambiguous either way; refuse the duplicate and keep the first.
            answer(JSONRPCResponse(id: request.id, error: .invalidRequest("Invalid Request: id \(request.id) is already in use by a request in flight")))
            return
        }
        let id = request.id
        let work: @Sendable () async -> Void = {
            let outcome = await handler(request)
            let live = self.state.withLock { s -> Bool in
                guard let entry = s.inbound.removeValue(forKey: id) else { return false }
                if !entry.cancelled { s.answering += 1 }
                return !entry.cancelled
            }
            guard live else {
                answer(nil)
                return
            }
            answer(JSONRPCResponse(id: id, outcome: outcome))
            self.state.withLock { $0.answering -= 1 }
        }
        let task = startInline ? Task.immediate(operation: work) : Task(operation: work)
        let cancelNow = state.withLock { s -> Bool in
            guard let i = s.inbound.index(forKey: id) else { return false }
            s.inbound.values[i].task = task
            return s.inbound.values[i].cancelled
        }
        if cancelNow { task.cancel() }
    }

    /// Cancels an incoming request: its task is cancelled and its response will not be sent.
    /// Unknown or already finished ids are ignored, as the protocol requires.
    public func cancelInbound(_ id: RequestID) {
        let task = state.withLock { s -> Task<Void, Never>? in
            guard s.inbound[id] != nil else { return nil }
            s.inbound[id]!.cancelled = true
            return s.inbound[id]!.task
        }
        task?.cancel()
    }

    // MARK: outgoing

    public func notify(_ method: String, params: JSONValue? = nil) {
        sink.send(.notification(JSONRPCNotification(method: method, params: params)))
    }

    /// Sends a request and waits for its response, the timeout, or the caller's cancellation.
    /// `via` sends the request somewhere other than the sink (HTTP: the stream of the client
    /// request that caused it); the response still arrives through `receive`. `onID` learns the
    /// id given to the request before it is sent (a client ties later messages to it).
    public func request(_ method: String, params: JSONValue? = nil, timeout: Duration? = nil,
                        via route: (@Sendable (JSONRPCMessage) -> Void)? = nil,
                        onID: (@Sendable (RequestID) -> Void)? = nil) async throws(JSONRPCError) -> JSONValue {
        let id: RequestID = state.withLock { s in
            defer { s.nextID += 1 }
            return .int(s.nextID)
        }
        onID?(id)
        let limit = timeout ?? configuration.defaultRequestTimeout
        let outcome: Result<JSONValue, JSONRPCError> = await withTaskCancellationHandler {
            await withCheckedContinuation { (cont: CheckedContinuation<Result<JSONValue, JSONRPCError>, Never>) in
                let open = state.withLock { s -> Bool in
                    if s.closed { return false }
                    s.outbound[id] = cont
                    return true
                }
                guard open else {
                    cont.resume(returning: .failure(JSONRPCError(Self.connectionClosed, "Connection closed")))
                    return
                }
                // A task cancelled before this point ran its cancellation handler when nothing
                // was registered yet; settle it here, before anything is sent.
                if Task.isCancelled {
                    if let pending = state.withLock({ $0.outbound.removeValue(forKey: id) }) {
                        pending.resume(returning: .failure(JSONRPCError(Self.requestTimeout, "Request \(method) was cancelled")))
                    }
                    return
                }
                if let limit {
                    let timer = deadlines.schedule(after: limit) { [weak self] in
                        self?.abandon(id, JSONRPCError(Self.requestTimeout, "Request \(method) timed out after \(limit)"), reason: "timeout")
                    }
                    state.withLock { $0.timers[id] = timer }
                }
                let message = JSONRPCMessage.request(JSONRPCRequest(id: id, method: method, params: params))
                if let route { route(message) } else { sink.send(message) }
            }
        } onCancel: {
            self.abandon(id, JSONRPCError(Self.requestTimeout, "Request \(method) was cancelled"), reason: "cancelled")
        }
        return try outcome.get()
    }

    private func abandon(_ id: RequestID, _ error: JSONRPCError, reason: String) {
        let (found, timer) = state.withLock { ($0.outbound.removeValue(forKey: id), $0.timers.removeValue(forKey: id)) }
        if let timer { deadlines.cancel(timer) }
        guard let cont = found else { return }
        cont.resume(returning: .failure(error))
        notify(configuration.cancelMethod, params: ["requestId": id.json, "reason": .string(reason)])
    }

    /// The connection is gone: cancel every running request and fail every pending one.
    public func close() {
        let (tasks, conts) = state.withLock { s -> ([Task<Void, Never>], [CheckedContinuation<Result<JSONValue, JSONRPCError>, Never>]) in
            s.closed = true
            for id in s.inbound.keys { s.inbound[id]!.cancelled = true }
            let t = s.inbound.values.compactMap(\.task)
            let c = Array(s.outbound.values)
            s.outbound.removeAll()
            s.timers.removeAll()
            return (t, c)
        }
        for t in tasks { t.cancel() }
        for c in conts { c.resume(returning: .failure(JSONRPCError(Self.connectionClosed, "Connection closed"))) }
    }

    /// Waits until no incoming request is running (used for a graceful exit).
    public func drain() async {
        while inFlightCount > 0 {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
