import HTTPServer
import JSON
import JSONRPC
import MCP
import MCPServer
import Synchronization

extension MCPHTTPEndpoint {
    /// A 2026 POST: exactly one request or notification, self-describing, no session.
    /// `laneOffered`: the call lane already saw (and declined) this request before it was parsed.
    func modernPost(_ http: HTTPRequest, _ incoming: JSONRPCIncoming, principal: String, laneOffered: Bool = false) async -> HTTPResponse {
        let request: JSONRPCRequest
        switch incoming {
        case .batch:
            return Self.rpcError(400, id: nil, .invalidRequest("Invalid Request: JSON-RPC batches are not part of protocol 2026-07-28"))
        case .invalid(let bad):
            return Self.rpcError(400, id: bad.id, bad.error)
        case .single(.response(let r)):
            return Self.rpcError(400, id: r.id, .invalidRequest("Invalid Request: clients do not send responses in protocol 2026-07-28"))
        case .single(.notification):
            // Cancellation over HTTP is closing the stream; other notifications have no effect.
            return Self.accepted()
        case .single(.request(let r)):
            request = r
        }
        // The SDK ladder: envelope (−32602), then headers (−32020), then version (−32022).
        let envelopeVersion = request.params?["_meta"]?[ModernEnvelope.protocolVersionKey]?.stringValue
        if case .failure(let e) = ModernEnvelope.parse(request.params), e.code == .invalidParams {
            return Self.rpcError(400, id: request.id, e)
        }
        if let mismatch = RoutingHeaders.validate(http, request, envelopeVersion: envelopeVersion, toolSchema: { [server] in server.toolInputSchema($0) }) {
            return Self.rpcError(400, id: request.id, mismatch)
        }
        if request.method == MCPMethod.subscriptionsListen {
            return listenStream(request, principal: principal, executor: http.executor)
        }
        if request.method == MCPMethod.toolsCall, !laneOffered, let lane = callLane.withLock({ $0 }),
           let answered = await relayed(http, lane, routing: nil) {
            return answered
        }
        return await exchange(request, principal: principal, executor: http.executor)
    }

    /// Runs one request: JSON if it finishes without emitting anything, SSE otherwise. A client
    /// that disconnects cancels the work (closing the stream is how 2026 cancels).
    private func exchange(_ request: JSONRPCRequest, principal: String, executor: (any TaskExecutor)?) async -> HTTPResponse {
        let channel = FrameChannel(capacity: configuration.streamCapacity)
        let decision = Decision<ExchangeOutcome>()
        let emit: @Sendable (JSONRPCNotification) -> Void = { n in
            channel.send(SSEFrame.message(JSONRPCMessage.notification(n).json))
            decision.resolve(.emitted)
        }
        let server = self.server
        let work = Task(executorPreference: executor) {
            let outcome = await server.handleModern(request, principal: principal, emit: emit)
            decision.resolve(.finished)
            return outcome
        }
        let first = await decision.firstOutcome(slowAfter: configuration.sseAfter, ticker: ticker) { work.cancel() }
        switch first {
        case .disconnected:
            return HTTPResponse(status: 499)
        case .finished where channel.isEmpty:
            let outcome = await work.value
            switch outcome {
            case .success(let result):
                return Self.json(200, JSONRPCMessage.response(JSONRPCResponse(id: request.id, result: result)).json)
            case .failure(let error):
                return Self.rpcError(StatusMapping.status(for: error.code), id: request.id, error)
            }
        default:
            Task(executorPreference: executor) {
                let outcome = await work.value
                channel.send(SSEFrame.message(JSONRPCMessage.response(JSONRPCResponse(id: request.id, outcome: outcome)).json))
                channel.close()
            }
            return HTTPResponse.stream(status: 200, headers: Self.sseHeaders) { [self] writer in
                await pump(channel, writer) { work.cancel() }
            }
        }
    }

    /// The routing promise of a 2026 `tools/call` whose headers are plain enough to offer the
    /// call lane before the body is parsed (parsing it into a tree was the largest cost of a
    /// relayed call after the HTTP work itself): one of each routing header, a 2026 version, the
    /// method `tools/call`, a decodable name, and no tool of ours by that name (its `x-mcp-header`
    /// parameters would need the parsed arguments). The lane checks the body against it.
    func earlyCallRouting(_ http: HTTPRequest) -> CallRouting? {
        guard let version = http.headers.only("mcp-protocol-version"), ProtocolVersion(rawValue: version)?.isModern == true,
              http.headers.only("mcp-method") == MCPMethod.toolsCall, let encoded = http.headers.only("mcp-name"),
              let name = HeaderValue.decode(encoded), server.toolInputSchema(name) == nil else { return nil }
        return CallRouting(protocolVersion: version, toolName: name)
    }

    /// A call the lane took: answered as `exchange` answers — JSON when the answer comes within
    /// `sseAfter`, else an SSE stream (keep-alives meanwhile) that ends with it; a client that
    /// disconnects cancels the call. Nil when the lane leaves the call to the engine.
    func relayed(_ http: HTTPRequest, _ lane: any CallLane, routing: CallRouting?) async -> HTTPResponse? {
        let answer = RelayedAnswer()
        guard let handle = http.body.withUnsafeBufferPointer({ lane.take($0, routing: routing, executor: http.executor, answeringTo: answer) }) else {
            return nil
        }
        let cancel: @Sendable () -> Void = { lane.cancel(handle) }
        switch await answer.decision.firstOutcome(slowAfter: configuration.sseAfter, ticker: ticker, onDisconnect: cancel) {
        case .disconnected:
            return HTTPResponse(status: 499)
        case .finished:
            var headers = HTTPHeaders()
            headers.set("Content-Type", "application/json")
            return HTTPResponse(status: answer.status, headers: headers, body: answer.bytes ?? [])
        case .emitted, .slow:
            let channel = FrameChannel(capacity: configuration.streamCapacity)
            answer.then { bytes in
                _ = channel.send(SSEFrame.message(raw: bytes))
                channel.close()
            }
            return HTTPResponse.stream(status: 200, headers: Self.sseHeaders) { [self] writer in
                await pump(channel, writer, onGone: cancel)
            }
        }
    }

    /// `subscriptions/listen`: always a long-lived SSE response; closing it ends the subscription.
    private func listenStream(_ request: JSONRPCRequest, principal: String, executor: (any TaskExecutor)?) -> HTTPResponse {
        let channel = FrameChannel(capacity: configuration.streamCapacity)
        let server = self.server
        let work = Task(executorPreference: executor) {
            let outcome = await server.handleModern(request, principal: principal) { n in
                channel.send(SSEFrame.message(JSONRPCMessage.notification(n).json))
            }
            // Only a graceful server-side end produces a result (after a disconnect nobody listens).
            if !Task.isCancelled {
                channel.send(SSEFrame.message(JSONRPCMessage.response(JSONRPCResponse(id: request.id, outcome: outcome)).json))
            }
            channel.close()
        }
        return HTTPResponse.stream(status: 200, headers: Self.sseHeaders) { [self] writer in
            await pump(channel, writer) { work.cancel() }
        }
    }
}

/// The answer of a relayed call, whenever it comes relative to whoever waits for it.
private final class RelayedAnswer: CallAnswerSink {
    let decision = Decision<ExchangeOutcome>()
    private let state = Mutex<(bytes: [UInt8]?, status: Int, then: (@Sendable ([UInt8]) -> Void)?)>((nil, 200, nil))

    var bytes: [UInt8]? { state.withLock { $0.bytes } }
    var status: Int { state.withLock { $0.status } }

    func answer(_ response: [UInt8], status: Int) {
        let then = state.withLock { s -> (@Sendable ([UInt8]) -> Void)? in
            guard s.bytes == nil else { return nil }
            s.bytes = response
            s.status = status
            return s.then
        }
        decision.resolve(.finished)
        then?(response)
    }

    /// Runs `body` with the answer now if it came, else when it comes.
    func then(_ body: @escaping @Sendable ([UInt8]) -> Void) {
        let ready = state.withLock { s -> [UInt8]? in
            if let bytes = s.bytes { return bytes }
            s.then = body
            return nil
        }
        if let ready { body(ready) }
    }
}
