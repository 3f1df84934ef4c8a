import JSON
import JSONRPC
import MCP
import Synchronization

/// A dual-era MCP client: one upstream server over any `MCPClientTransport`.
///
/// Why one client for both eras: the gateway must reach servers of every age through one API.
/// `connect` settles the era exactly as DIGEST §11 describes (a `server/discover` probe, falling
/// back to `initialize`), and every operation then speaks that era: 2026 requests carry the `_meta`
/// envelope and resolve `input_required` rounds through the input provider; legacy requests carry
/// none, and the server's own requests (elicitation, sampling, roots, ping) reach the same
/// provider. Correlation, timeouts and `notifications/cancelled` come from `JSONRPCPeer`.
///
/// The client knows nothing of platforms, bindings or names: a gateway wraps it. Call `close()`
/// when done: a pending probe or an open listen keeps the client (and its transport) alive.
public final class MCPClient: Sendable {
    public let configuration: MCPClientConfiguration
    let transport: any MCPClientTransport
    let peer: JSONRPCPeer
    let state = Mutex(State())
    private let eventsBox: Mutex<MCPClientEvents>

    /// What happened to one request we sent, while it is in flight.
    struct Flight {
        var method: String
        /// The request's own time limit (nil: none), which the transport sees with the request.
        var timeout: Duration?
        /// The server answered it with a JSON-RPC error (so a −32000/−32001 is the server's).
        var wireError = false
        /// The server's answer was malformed; the request fails with this reason.
        var violation: String?
    }

    struct State {
        var negotiation: MCPNegotiation?
        var logLevel: LogLevel?
        /// The fixed `_meta` of 2026 requests, for the version and log level it was built for.
        var envelopeBase: (version: ProtocolVersion, level: LogLevel?, meta: JSONObject)?
        var closedReason: String?
        var flights: [RequestID: Flight] = [:]
        var nextProgressToken: Int64 = 0
        var progress: [JSONValue: @Sendable (MCPProgress) -> Void] = [:]
        var listens: [RequestID: MCPSubscription] = [:]
        var connecting = false
    }

    /// How an outgoing request is stamped.
    enum Stamp {
        /// No envelope (handshake era, `initialize`).
        case none
        /// The 2026 `_meta` envelope at this version.
        case modern(ProtocolVersion)
    }

    /// Creates the client and starts the transport. Nothing is sent until `connect`.
    public init(transport: any MCPClientTransport, configuration: MCPClientConfiguration = MCPClientConfiguration(),
                events: MCPClientEvents = MCPClientEvents())
    {
        self.configuration = configuration
        self.transport = transport
        self.eventsBox = Mutex(events)
        let relay = Relay()
        self.peer = JSONRPCPeer(sink: relay, configuration: .init(defaultRequestTimeout: nil))
        relay.attach(self)
        peer.setHandlers(
            request: { [weak self] request in
                guard let self else { return .failure(JSONRPCError(JSONRPCPeer.connectionClosed, "Connection closed")) }
                return await self.answerServerRequest(request)
            },
            notification: { [weak self] notification in self?.handleNotification(notification) })
        transport.start { [weak self] event in self?.receive(event) }
    }

    deinit {
        transport.close()
        peer.close()
    }

    // MARK: what was negotiated

    /// The outcome of `connect`, nil before it.
    public var negotiation: MCPNegotiation? { state.withLock { $0.negotiation } }
    public var era: MCPEra? { negotiation?.era }
    public var protocolVersion: ProtocolVersion? { negotiation?.protocolVersion }
    public var serverInfo: JSONValue? { negotiation?.serverInfo }
    public var serverCapabilities: JSONObject? { negotiation?.capabilities }
    public var instructions: String? { negotiation?.instructions }
    /// Why the connection ended, nil while it is open.
    public var closedReason: String? { state.withLock { $0.closedReason } }

    public var events: MCPClientEvents { eventsBox.withLock { $0 } }

    /// Replaces the event callbacks (for example once a gateway knows where to forward them).
    public func setEvents(_ events: MCPClientEvents) {
        eventsBox.withLock { $0 = events }
    }

    /// The capabilities declared to the server: the configured ones, or derived from the events.
    public var declaredCapabilities: JSONObject {
        if let configured = configuration.capabilities { return configured }
        guard events.inputProvider != nil else { return [:] }
        return Self.inputCapabilities
    }

    /// What a client with an input provider can answer: form elicitation, sampling and roots.
    public static let inputCapabilities: JSONObject = ["elicitation": ["form": [:]], "sampling": [:], "roots": [:]]

    /// Ends the connection: in-flight requests fail with `.closed`, the transport is closed.
    public func close() {
        markClosed("closed by the client")
        transport.close()
    }

    // MARK: sending

    func connected() throws(MCPClientError) -> MCPNegotiation {
        let (negotiation, closed) = state.withLock { ($0.negotiation, $0.closedReason) }
        if let closed { throw .closed(closed) }
        guard let negotiation else { throw .notConnected }
        return negotiation
    }

    /// The 2026 `_meta` envelope, merged over keys the request already carries (`progressToken`).
    func envelope(_ version: ProtocolVersion, over existing: JSONValue?) -> JSONValue {
        // The fixed part (version, client info, capabilities, log level) is built once per
        // version and level and reused: every 2026 request carries it.
        let (base, level) = state.withLock { state -> (JSONObject?, LogLevel?) in
            (state.envelopeBase?.version == version && state.envelopeBase?.level == state.logLevel ? state.envelopeBase?.meta : nil, state.logLevel)
        }
        var meta: JSONObject
        if let base {
            meta = base
        } else {
            meta = JSONObject(minimumCapacity: 5)
            meta[MCPMetaKey.protocolVersion] = .string(version.rawValue)
            meta[MCPMetaKey.clientInfo] = configuration.clientInfo.json
            meta[MCPMetaKey.clientCapabilities] = .object(declaredCapabilities)
            if let level { meta[MCPMetaKey.logLevel] = .string(level.rawValue) }
            let built = meta
            state.withLock { $0.envelopeBase = (version, level, built) }
        }
        if let extra = existing?.objectValue {
            // A request's own capabilities replace the connection's (see `request(capabilities:)`).
            for (key, value) in extra where !meta.contains(key) || key == MCPMetaKey.clientCapabilities { meta[key] = value }
        }
        return .object(meta)
    }

    /// The `_meta` a request sent outside `request(...)` must carry in the negotiated era: the
    /// 2026 envelope, or just the progress token in the handshake era. `capabilities`, when
    /// given, are declared instead of the connection's (2026 only; see `request(capabilities:)`).
    public func requestMeta(progressToken: JSONValue, capabilities: JSONObject? = nil) -> JSONValue? {
        guard let negotiation else { return nil }
        var token: JSONObject = ["progressToken": progressToken]
        guard negotiation.era == .modern else { return .object(token) }
        if let capabilities { token[MCPMetaKey.clientCapabilities] = .object(capabilities) }
        return envelope(negotiation.protocolVersion, over: .object(token))
    }

    /// Sends one request and waits for its answer; maps every failure to `MCPClientError`.
    /// `timeout` nil waits until the answer or the connection's end. `onSend` sees the request id.
    func exchange(_ method: String, _ params: JSONObject, stamp: Stamp, timeout: Duration?,
                  onSend: (@Sendable (RequestID) -> Void)? = nil) async throws(MCPClientError) -> JSONValue
    {
        if let closed = closedReason { throw .closed(closed) }
        // The peer only notices a cancellation that happens after the request is registered.
        if Task.isCancelled { throw .cancelled(method: method) }
        var params = params
        if case .modern(let version) = stamp { params["_meta"] = envelope(version, over: params["_meta"]) }
        let sentID = Mutex<RequestID?>(nil)
        let tap: @Sendable (RequestID) -> Void = { [weak self] id in
            sentID.withLock { $0 = id }
            self?.state.withLock { $0.flights[id] = Flight(method: method, timeout: timeout) }
            onSend?(id)
        }
        let peer = self.peer
        let wire: JSONValue? = params.isEmpty ? nil : .object(params)
        let outcome: Result<JSONValue, JSONRPCError>
        do throws(JSONRPCError) {
            outcome = .success(try await peer.request(method, params: wire, timeout: timeout, onID: tap))
        } catch {
            outcome = .failure(error)
        }
        let id = sentID.withLock { $0 }
        let flight = id.flatMap { id in state.withLock { $0.flights.removeValue(forKey: id) } }
        switch outcome {
        case .success(let value):
            return value
        case .failure(let error):
            throw classify(error, method: method, flight: flight, timeout: timeout)
        }
    }

    /// Tells apart what the server said from what happened on our side.
    private func classify(_ error: JSONRPCError, method: String, flight: Flight?, timeout: Duration?) -> MCPClientError {
        if let violation = flight?.violation { return .protocolViolation(violation) }
        // The connection ended: that is the answer, even if an error frame for this request
        // raced in while it closed (a server's own −32000 arrives while the connection is open).
        if error.code == JSONRPCPeer.connectionClosed, let closedReason { return .closed(closedReason) }
        if flight?.wireError == true { return MCPClientError(error) }
        if error.code == JSONRPCPeer.connectionClosed { return .closed(error.message) }
        if error.code == JSONRPCPeer.requestTimeout {
            if Task.isCancelled || timeout == nil { return .cancelled(method: method) }
            return .timeout(method: method, after: timeout!)
        }
        return MCPClientError(error)
    }

    /// Every outgoing message passes here on its way to the transport.
    fileprivate func outgoing(_ message: JSONRPCMessage) {
        var era: MCPEra?
        var version: String?
        var requestID: RequestID?
        if case .request(let request) = message {
            requestID = request.id
            if let v = request.params?["_meta"]?[MCPMetaKey.protocolVersion]?.stringValue {
                era = .modern
                version = v
            }
        }
        // `exchange` records the flight (with its time limit) before the peer sends the request.
        let (negotiation, timeout) = state.withLock { s in (s.negotiation, requestID.flatMap { s.flights[$0]?.timeout }) }
        if era == nil, let negotiation {
            era = negotiation.era
            version = negotiation.protocolVersion.rawValue
        }
        transport.send(MCPOutgoingMessage(message: message, era: era, protocolVersion: version, timeout: timeout))
    }

    // MARK: receiving

    /// Every transport event passes here, in arrival order.
    func receive(_ event: MCPTransportEvent) {
        switch event {
        case .message(let message):
            switch message {
            case .response(let response):
                guard let id = response.id else {
                    if case .failure(let e) = response.outcome {
                        reportViolation("the server reported an error for a message it could not identify: \(e.code.rawValue) \(e.message)")
                    }
                    return
                }
                if case .failure = response.outcome {
                    state.withLock { s in if s.flights[id] != nil { s.flights[id]!.wireError = true } }
                }
                peer.receive(message)
            case .request:
                peer.receive(message)
            case .notification(let n):
                if n.method == MCPMethod.cancelled, era == .modern {
                    endListenByServer(n)
                    return
                }
                peer.receive(message)
            }
        case .malformed(let bad):
            if bad.looksLikeRequest, let id = bad.id {
                outgoing(.response(JSONRPCResponse(id: id, error: .invalidRequest("Invalid Request: \(bad.reason)"))))
                reportViolation(bad.reason)
                return
            }
            let ours = bad.id.map { id in
                state.withLock { s -> Bool in
                    guard s.flights[id] != nil else { return false }
                    s.flights[id]!.violation = "malformed response: \(bad.reason)"
                    return true
                }
            } ?? false
            if ours, let id = bad.id {
                peer.receive(.response(JSONRPCResponse(id: id, error: .internalError(bad.reason))))
            } else {
                reportViolation(bad.reason)
            }
        case .closed(let reason):
            markClosed(reason)
        }
    }

    func reportViolation(_ reason: String) {
        events.protocolViolation?(reason)
    }

    /// The connection is over: fail what waits, end subscriptions, tell the owner. Once.
    func markClosed(_ reason: String) {
        let (first, listens) = state.withLock { s -> (Bool, [MCPSubscription]) in
            guard s.closedReason == nil else { return (false, []) }
            s.closedReason = reason
            defer { s.listens.removeAll() }
            return (true, Array(s.listens.values))
        }
        guard first else { return }
        peer.close()
        for listen in listens { listen.finish(.closed(reason)) }
        events.closed?(reason)
    }
}

/// The peer's sink: forwards to the client without keeping it alive.
private final class Relay: JSONRPCMessageSink {
    private struct Ref { weak var client: MCPClient? }
    private let ref = Mutex(Ref())

    func attach(_ client: MCPClient) { ref.withLock { $0.client = client } }

    func send(_ message: JSONRPCMessage) {
        ref.withLock { $0.client }?.outgoing(message)
    }
}
