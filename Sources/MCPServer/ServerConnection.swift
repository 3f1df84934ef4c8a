import Dispatch
import JSON
import JSONRPC
import MCP
import Synchronization

/// One long-lived client connection carrying whole JSON-RPC messages (stdio, or any byte stream
/// framed by lines): locks the era, keeps the legacy handshake state, and wires the engine to a
/// `JSONRPCPeer`.
///
/// The era is decided by the first request, as the 2026 spec and SDK 2.3.0 do: a non-`initialize`
/// request whose params carry the 2026 `_meta` envelope makes the connection modern; anything
/// else makes it legacy. After that a modern connection answers `initialize` with −32022, and a
/// legacy connection answers 2026-enveloped requests with −32600.
public final class ServerConnection: Sendable {
    public enum Era: Sendable { case undecided, legacy, modern }

    private struct Sink: JSONRPCMessageSink {
        let write: @Sendable ([UInt8]) -> Void
        func send(_ message: JSONRPCMessage) { write(message.bytes) }
    }

    public let server: MCPServer
    public let session = LegacySession()
    public let peer: JSONRPCPeer
    private let write: @Sendable ([UInt8]) -> Void
    private let principal: String
    private let limits: JSONParser.Limits
    private let era = Mutex<Era>(.undecided)
    /// The `_meta` envelope this connection's 2026 client repeats, parsed and read once.
    private let repeats: Mutex<EnvelopeMemo>
    /// Bounds requests in flight; `receive` blocks its (dedicated reader) thread while full.
    private let slots: RequestSlots?
    private let stopObserving = Mutex<(@Sendable () -> Void)?>(nil)
    /// Batches being answered (they run outside the peer, so `finish` counts them here).
    private let batchesRunning = Mutex(0)
    /// Requests that stay open until one side ends them (`subscriptions/listen`): in flight, but
    /// not work whose answer is on its way.
    private let standing = Atomic<Int>(0)

    /// - Parameters:
    ///   - maxInFlight: requests that may run at once. When reached, `receive` blocks the calling
    ///     thread until one finishes, so a client that floods requests is slowed down instead of
    ///     growing our memory without bound (requests waiting for the client's answer to a
    ///     question of ours do not count; see `RequestSlots`). Only for transports that call
    ///     `receive` from their own thread (stdio); nil means no bound.
    ///   - write: sends one serialized message (the transport adds framing).
    public init(server: MCPServer, principal: String = "local", limits: JSONParser.Limits = .default,
                requestTimeout: Duration = .seconds(300), maxInFlight: Int? = nil, write: @escaping @Sendable ([UInt8]) -> Void)
    {
        self.slots = maxInFlight.map { RequestSlots(limit: $0) }
        self.server = server
        self.principal = principal
        self.limits = limits
        self.repeats = Mutex(EnvelopeMemo(limits: limits))
        self.write = write
        self.peer = JSONRPCPeer(sink: Sink(write: write), configuration: .init(defaultRequestTimeout: requestTimeout))
        let stop = server.observe { [weak self] event in self?.announce(event) }
        stopObserving.withLock { $0 = stop }
    }

    deinit {
        stopObserving.withLock { $0 }?()
    }

    public var currentEra: Era { era.withLock { $0 } }

    /// Requests whose answers are still to come soon: those in flight (including one being
    /// answered right now) less the standing subscriptions. The stdio server lets an answer wait
    /// for the others of its round only when this is above one — a client that keeps a
    /// `subscriptions/listen` open (any 2026 client watching for list changes, our gateway
    /// among them) must not make every lone answer wait for a scheduled write.
    public var answersDue: Int { peer.inFlightCount - standing.load(ordering: .relaxed) }

    // MARK: input

    /// Handles one framed message. Called in arrival order from the transport's reader.
    /// `inline`: the reader has nothing else to read now, so a request may run on its thread until
    /// it first suspends (see `JSONRPCPeer.receive(request:handler:startInline:respond:)`).
    public func receive(bytes: UnsafeBufferPointer<UInt8>, inline: Bool = false) {
        // The memo is taken out for the parse and put back after it, so transports that call
        // from several threads (the 2024-11-05 SSE transport's POSTs) never parse under the
        // lock; a parse that finds it taken simply goes without.
        var memo = repeats.withLock { $0.parser.take() }
        let incoming = JSONRPCClassifier.classify(bytes: bytes, limits: limits, memo: &memo)
        if memo != nil { repeats.withLock { if $0.parser == nil { $0.parser = memo } } }
        switch incoming {
        case .invalid(let bad):
            if !bad.isNotification { send(.response(bad.response)) }
        case .single(let message):
            receive(message, inline: inline)
        case .batch(let elements):
            receiveBatch(elements)
        }
    }

    /// A frame longer than the transport's limit arrived and was discarded.
    public func receiveOversized(byteCount: Int, limit: Int) {
        send(.response(JSONRPCResponse(id: nil, error: .invalidRequest(
            "Invalid Request: message of \(byteCount) bytes exceeds the limit of \(limit) bytes"))))
    }

    public func receive(_ message: JSONRPCMessage, inline: Bool = false) {
        switch message {
        case .response:
            peer.receive(message)
        case .notification(let n):
            if n.method == MCPMethod.initialized { session.markInitialized() }
            peer.receive(message)
        case .request(let request):
            let envelope = request.method == MCPMethod.initialize || request.params?["_meta"] == nil
                ? nil : repeats.withLock { $0.envelope(of: request.params) }
            if let refusal = admit(request, enveloped: envelope != nil) {
                send(.response(JSONRPCResponse(id: request.id, error: refusal)))
                return
            }
            if request.method == MCPMethod.initialize {
                send(.response(JSONRPCResponse(id: request.id, outcome: server.initialize(request, session: session))))
                return
            }
            let stands = request.method == MCPMethod.subscriptionsListen
            if stands { standing.add(1, ordering: .relaxed) }
            guard let slots else {
                // A listen's end is counted on its way out; every other answer takes the peer's
                // own road to the sink.
                guard stands else {
                    peer.receive(request: request, handler: handler(for: currentEra, envelope: envelope), startInline: inline)
                    return
                }
                peer.receive(request: request, handler: handler(for: currentEra, envelope: envelope), startInline: inline) { [weak self] response in
                    self?.standing.subtract(1, ordering: .relaxed)
                    if let response { self?.send(.response(response)) }
                }
                return
            }
            slots.take()
            peer.receive(request: request, handler: handler(for: currentEra, envelope: envelope, slots: slots), startInline: inline) { [weak self] response in
                slots.free()
                if stands { self?.standing.subtract(1, ordering: .relaxed) }
                if let response { self?.send(.response(response)) }
            }
        }
    }

    /// Locks the era on the first request and refuses requests of the other era. `enveloped`:
    /// the request is not `initialize` and its params carry the 2026 envelope.
    private func admit(_ request: JSONRPCRequest, enveloped: Bool) -> JSONRPCError? {
        let current = era.withLock { e -> Era in
            if e == .undecided { e = enveloped ? .modern : .legacy }
            return e
        }
        switch current {
        case .modern where request.method == MCPMethod.initialize:
            let requested = request.params?["protocolVersion"]?.stringValue ?? ""
            return MCPError.unsupportedVersion(requested, supported: ProtocolVersion.modernVersions,
                                               message: "This connection is serving the 2026-07-28 protocol; the initialize handshake is not accepted")
        case .legacy where enveloped:
            return .invalidRequest("Invalid Request: this connection completed the initialize handshake; 2026-07-28 requests are not accepted on it")
        default:
            return nil
        }
    }

    /// `envelope`: the request's envelope when it carries one (read by `EnvelopeMemo`).
    /// `slots`: the bound the request holds a slot of, lent back while it waits for the client.
    private func handler(for era: Era, envelope: Result<ModernEnvelope, JSONRPCError>? = nil, slots: RequestSlots? = nil) -> JSONRPCPeer.RequestHandler {
        let server = self.server
        let principal = self.principal
        let emit: @Sendable (JSONRPCNotification) -> Void = { [weak self] n in self?.send(.notification(n)) }
        if era == .modern {
            return { request in
                await server.handleModern(request, envelope: envelope ?? ModernEnvelope.parse(request.params), principal: principal, emit: emit)
            }
        }
        let session = self.session
        let peer = self.peer
        let timeout = server.options.clientRequestTimeout
        return { request in
            await server.handleLegacy(request, session: session, principal: principal, emit: emit) { method, params throws(JSONRPCError) in
                guard let slots else { return try await peer.request(method, params: params, timeout: timeout) }
                return try await slots.lending { () async throws(JSONRPCError) -> JSONValue in
                    try await peer.request(method, params: params, timeout: timeout)
                }
            }
        }
    }

    /// JSON-RPC batches exist only in 2025-03-26; elsewhere an array is one invalid request.
    private func receiveBatch(_ elements: [Result<JSONRPCMessage, JSONRPCInvalidMessage>]) {
        guard currentEra == .legacy, session.version?.hasBatching == true else {
            send(.response(JSONRPCResponse(id: nil, error: .invalidRequest(
                "Invalid Request: JSON-RPC batches are only accepted on connections that negotiated protocol 2025-03-26"))))
            return
        }
        var requests: [JSONRPCRequest] = []
        var immediate: [JSONRPCMessage] = []
        for element in elements {
            switch element {
            case .failure(let bad): if !bad.isNotification { immediate.append(.response(bad.response)) }
            case .success(.request(let r)):
                if r.method == MCPMethod.initialize {
                    immediate.append(.response(JSONRPCResponse(id: r.id, error: .invalidRequest("Invalid Request: initialize must not be part of a batch"))))
                } else {
                    requests.append(r)
                }
            case .success(let other): receive(other)
            }
        }
        let handle = handler(for: .legacy)
        batchesRunning.withLock { $0 += 1 }
        Task {
            defer { self.batchesRunning.withLock { $0 -= 1 } }
            var responses = immediate
            await withTaskGroup(of: JSONRPCMessage.self) { group in
                for r in requests {
                    group.addTask { .response(JSONRPCResponse(id: r.id, outcome: await handle(r))) }
                }
                for await m in group { responses.append(m) }
            }
            if !responses.isEmpty { self.write(JSONWriter.bytes(.array(responses.map(\.json)))) }
        }
    }

    // MARK: output

    private func send(_ message: JSONRPCMessage) { write(message.bytes) }

    /// Legacy connections hear about catalog changes as plain notifications (2026 clients hear
    /// about them only on `subscriptions/listen` streams, which the engine serves).
    private func announce(_ event: ServerEvent) {
        guard currentEra == .legacy, session.version != nil else { return }
        switch event {
        case .toolsChanged: send(.notification(JSONRPCNotification(method: MCPMethod.toolsListChanged)))
        case .promptsChanged: send(.notification(JSONRPCNotification(method: MCPMethod.promptsListChanged)))
        case .resourcesChanged: send(.notification(JSONRPCNotification(method: MCPMethod.resourcesListChanged)))
        case .resourceUpdated(let uri):
            if session.isSubscribed(uri) {
                send(.notification(JSONRPCNotification(method: MCPMethod.resourcesUpdated, params: ["uri": .string(uri)])))
            }
        case .taskChanged:
            break  // tasks are a 2026 extension
        }
    }

    // MARK: shutdown

    /// Input ended: let running requests finish for up to `grace`, then cancel what is left.
    public func finish(grace: Duration = .seconds(2)) async {
        stopObserving.withLock { s in
            s?()
            s = nil
        }
        server.closeListens()
        let deadline = ContinuousClock.now + grace
        while peer.inFlightCount + batchesRunning.withLock({ $0 }) > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        peer.close()
    }
}
