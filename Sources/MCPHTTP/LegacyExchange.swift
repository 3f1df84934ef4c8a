import HTTPServer
import Hashing
import JSON
import JSONRPC
import MCP
import MCPServer
import Synchronization

extension MCPHTTPEndpoint {
    /// A POST of the session protocol (2025-03-26 … 2025-11-25).
    func legacyPost(_ http: HTTPRequest, _ incoming: JSONRPCIncoming, principal: String) async -> HTTPResponse {
        if case .single(.request(let r)) = incoming, r.method == MCPMethod.initialize {
            return initialize(r, http: http, principal: principal)
        }
        // Errors about the session echo the request's id when there is exactly one request.
        var requestID: RequestID?
        if case .single(.request(let r)) = incoming { requestID = r.id }
        let session: HTTPSession
        switch lookupSession(http, principal: principal, id: requestID) {
        case .success(let s): session = s
        case .failure(let box): return box.response
        }
        if let header = http.headers["mcp-protocol-version"] {
            guard let v = ProtocolVersion(rawValue: header), !v.isModern, v == session.legacy.version else {
                return Self.rpcError(400, id: requestID, .invalidRequest("Bad Request: unsupported or mismatched MCP-Protocol-Version '\(header)'"))
            }
        }
        session.touch()
        switch incoming {
        case .invalid(let bad):
            return Self.rpcError(400, id: bad.id, bad.error)
        case .single(.request(let r)):
            return await legacyRequest(r, session: session)
        case .single(let other):
            deliver(other, to: session)
            return Self.accepted()
        case .batch(let elements):
            return await legacyBatch(elements, session: session)
        }
    }

    private func initialize(_ request: JSONRPCRequest, http: HTTPRequest, principal: String) -> HTTPResponse {
        if let existing = http.headers["mcp-session-id"], sessions.get(existing) != nil {
            return Self.rpcError(400, id: request.id, .invalidRequest("Invalid Request: this session is already initialized"))
        }
        let session = HTTPSession(principal: principal, configuration: configuration)
        let outcome = server.initialize(request, session: session.legacy)
        if case .failure(let error) = outcome {
            return Self.rpcError(400, id: request.id, error)
        }
        guard sessions.add(session) else {
            return Self.rpcError(503, id: request.id, .internalError("Service Unavailable: too many sessions"))
        }
        session.observe(server)
        var headers = HTTPHeaders()
        headers.set("Mcp-Session-Id", session.id)
        return Self.json(200, JSONRPCMessage.response(JSONRPCResponse(id: request.id, outcome: outcome)).json, headers: headers)
    }

    /// Finds the session of a request: 400 without an id, 404 for an unknown (or someone else's) one.
    func lookupSession(_ http: HTTPRequest, principal: String, id requestID: RequestID? = nil) -> Result<HTTPSession, HTTPResponseBox> {
        guard let id = http.headers["mcp-session-id"] else {
            return .failure(HTTPResponseBox(Self.rpcError(400, id: requestID, .invalidRequest("Bad Request: Missing session ID"))))
        }
        guard let session = sessions.get(id), ConstantTime.equals(Array(session.principal.utf8), Array(principal.utf8)) else {
            return .failure(HTTPResponseBox(Self.rpcError(404, id: requestID, .invalidRequest("Session not found"))))
        }
        return .success(session)
    }

    /// Responses answer our server→client requests; notifications are applied.
    private func deliver(_ message: JSONRPCMessage, to session: HTTPSession) {
        if case .notification(let n) = message, n.method == MCPMethod.initialized { session.legacy.markInitialized() }
        session.peer.receive(message)
    }

    private func handler(for session: HTTPSession, stream: EventStream, onEvent: @escaping @Sendable () -> Void) -> JSONRPCPeer.RequestHandler {
        let server = self.server
        let timeout = configuration.clientRequestTimeout
        return { request in
            await server.handleLegacy(request, session: session.legacy, principal: session.principal, emit: { n in
                stream.publish(JSONRPCMessage.notification(n).json)
                onEvent()
            }) { method, params throws(JSONRPCError) in
                try await session.peer.request(method, params: params, timeout: timeout) { message in
                    stream.publish(message.json)
                    onEvent()
                }
            }
        }
    }

    /// Runs a request: JSON if it finishes quietly, otherwise an SSE stream with event ids that the
    /// client may resume after a drop. A disconnect does not cancel the work (legacy rule); the
    /// client sends `notifications/cancelled` for that, which the session's peer applies.
    private func legacyRequest(_ request: JSONRPCRequest, session: HTTPSession) async -> HTTPResponse {
        let stream = EventStream(id: Base64URL.encode(SecureRandom.bytes(9)), replayCapacity: configuration.replayEvents,
                                 channelCapacity: configuration.streamCapacity)
        let channel = stream.attach(after: nil)!
        let decision = Decision<ExchangeOutcome>()
        let emitted = Atomic<Bool>(false)
        let final = Mutex<JSONRPCResponse?>(nil)
        let handle = handler(for: session, stream: stream) {
            emitted.store(true, ordering: .relaxed)
            decision.resolve(.emitted)
        }
        session.peer.receive(request: request, handler: handle) { response in
            final.withLock { $0 = response }
            if let response { stream.publish(JSONRPCMessage.response(response).json) }
            stream.finish()
            decision.resolve(.finished)
        }
        let first = await decision.firstOutcome(slowAfter: configuration.sseAfter, ticker: ticker)
        if first == .finished && !emitted.load(ordering: .relaxed) {
            stream.detach(channel)
            guard let response = final.withLock({ $0 }) else { return Self.accepted() }
            return Self.json(200, JSONRPCMessage.response(response).json)
        }
        session.register(stream)
        if first == .disconnected {
            stream.detach(channel)
            return HTTPResponse(status: 499)
        }
        return HTTPResponse.stream(status: 200, headers: Self.sseHeaders) { [self] writer in
            await pump(channel, writer) { stream.detach(channel) }
        }
    }

    /// 2025-03-26 batches: every request runs concurrently; the answer is one JSON array.
    private func legacyBatch(_ elements: [Result<JSONRPCMessage, JSONRPCInvalidMessage>], session: HTTPSession) async -> HTTPResponse {
        guard session.legacy.version?.hasBatching == true else {
            return Self.rpcError(400, id: nil, .invalidRequest("Invalid Request: JSON-RPC batches are only accepted on sessions that negotiated protocol 2025-03-26"))
        }
        var responses: [JSONValue] = []
        var requests: [JSONRPCRequest] = []
        for element in elements {
            switch element {
            case .failure(let bad): if !bad.isNotification { responses.append(JSONRPCMessage.response(bad.response).json) }
            case .success(.request(let r)):
                if r.method == MCPMethod.initialize {
                    responses.append(JSONRPCMessage.response(JSONRPCResponse(id: r.id, error: .invalidRequest("Invalid Request: initialize must not be part of a batch"))).json)
                } else {
                    requests.append(r)
                }
            case .success(let other): deliver(other, to: session)
            }
        }
        if requests.isEmpty && responses.isEmpty { return Self.accepted() }
        let handle = handler(for: session, stream: session.standalone) {}
        await withTaskGroup(of: JSONValue.self) { group in
            for r in requests {
                group.addTask { JSONRPCMessage.response(JSONRPCResponse(id: r.id, outcome: await handle(r))).json }
            }
            for await r in group { responses.append(r) }
        }
        return Self.json(200, .array(responses))
    }

    // MARK: GET and DELETE /mcp

    /// The standalone stream of a session (one at a time: 409 for a second), or the resumption of
    /// any kept stream with `Last-Event-ID`. Without a session, GET is not part of 2026: 405.
    func get(_ http: HTTPRequest, principal: String) async -> HTTPResponse {
        guard http.headers["mcp-session-id"] != nil else { return Self.methodNotAllowed() }
        let session: HTTPSession
        switch lookupSession(http, principal: principal) {
        case .success(let s): session = s
        case .failure(let box): return box.response
        }
        guard HTTPSyntax.accepts(http.headers.values("accept"), "text/event-stream") else {
            return Self.plain(406, "Not Acceptable: the client must accept text/event-stream")
        }
        session.touch()
        let stream: EventStream
        let channel: FrameChannel
        if let last = http.headers["last-event-id"], let (streamID, seq) = EventStream.parse(lastEventID: last), let kept = session.stream(streamID) {
            stream = kept
            guard let c = kept.attach(after: seq) else {
                return Self.rpcError(400, id: nil, .invalidRequest("Bad Request: events after \(last) are no longer available"))
            }
            channel = c
        } else {
            if session.standalone.hasLiveConnection {
                return Self.plain(409, "Conflict: this session already has an open GET stream")
            }
            stream = session.standalone
            channel = session.standalone.attachLive()
        }
        return HTTPResponse.stream(status: 200, headers: Self.sseHeaders) { [self] writer in
            await pump(channel, writer) { stream.detach(channel) }
        }
    }

    /// Ends a session: later requests with its id get 404.
    func delete(_ http: HTTPRequest, principal: String) -> HTTPResponse {
        guard http.headers["mcp-session-id"] != nil else { return Self.methodNotAllowed() }
        switch lookupSession(http, principal: principal) {
        case .success(let s):
            sessions.remove(s.id)
            return HTTPResponse(status: 200)
        case .failure(let box):
            return box.response
        }
    }
}

/// Lets a `Result` carry an `HTTPResponse` as its failure.
struct HTTPResponseBox: Error {
    let response: HTTPResponse
    init(_ response: HTTPResponse) { self.response = response }
}
