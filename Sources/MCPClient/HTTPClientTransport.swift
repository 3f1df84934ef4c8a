import HTTPClient
import HTTPServer
import JSON
import JSONRPC
import MCP
import Synchronization

/// Streamable HTTP for `MCPClient` (DIGEST §9 for 2026-07-28, §13 for the session protocol):
/// every message is one POST to one endpoint, and each request's answer — JSON, or an SSE stream
/// of notifications (and, in the handshake era, server requests) ending with the response — is
/// delivered through `start`'s closure like any other transport's frames.
///
/// Why failures become JSON-RPC error responses: HTTP has no connection whose end fails every
/// pending request, so each POST that cannot produce an answer fails its own request, with the
/// status and a short reason (never header values, which can hold credentials). A 4xx whose body
/// is a JSON-RPC error surfaces as that error for the request (the Python SDK does the same).
///
/// Era handling comes from each `MCPOutgoingMessage`: 2026 messages carry `MCP-Protocol-Version`,
/// `Mcp-Method` and `Mcp-Name` and are cancelled by closing their response stream; the handshake
/// era sends `initialize` without a version header, keeps the `Mcp-Session-Id` of its answer and
/// sends it (with the negotiated version) on every later message, POSTs `notifications/cancelled`,
/// and `close()` ends the session with a best-effort DELETE. Notifications and responses are
/// POSTed in order, and a later message waits until the earlier ones were accepted (a server
/// must see `notifications/initialized` before the next request). Once the session is
/// initialized the transport opens the session's standalone GET stream (when
/// `openSessionStream`), where the server sends what belongs to no request (list changes,
/// resource updates); a server that answers 405 simply has none.
///
/// Resumption (handshake era only; 2026 servers ignore `Last-Event-ID`): when a request's SSE
/// answer or the session's GET stream ends before it is done — the connection dropped, or a
/// 2025-11-25 server closed it on purpose to be polled — and the stream carried event ids, the
/// transport reconnects with `GET` + `Last-Event-ID` after the stream's `retry:` time and the
/// server replays what was missed (DIGEST §13); the request then completes from the resumed
/// stream. `HTTPResumptionPolicy` bounds it. A stream without ids cannot be resumed, and a server
/// that answers the GET with 405 does not resume: the request then fails as before.
public final class HTTPClientTransport: MCPClientTransport {
    /// The MCP endpoint (`http://` or `https://`).
    public let url: String
    /// The largest JSON answer or SSE event accepted from the server.
    public let maxMessageBytes: Int
    /// How ended SSE streams are resumed.
    public let resumption: HTTPResumptionPolicy
    let extraHeaders: [(name: String, value: String)]
    let client: HTTPClient
    private let jsonLimits: JSONParser.Limits
    private let openSessionStream: Bool
    let onResume: (@Sendable (HTTPStreamResumption) -> Void)?
    let state = Mutex(State())

    struct State {
        var receive: (@Sendable (MCPTransportEvent) -> Void)?
        var sessionID: String?
        var legacyVersion: String?
        var closed = false
        /// The last notification/response POST; later messages start after it.
        var barrier: Task<Void, Never>?
        /// Request POSTs in flight, by request id (2026 cancellation closes them).
        var inFlight: [RequestID: Task<Void, Never>] = [:]
        var termination: Task<Void, Never>?
        /// The session's standalone GET stream (handshake era).
        var sessionStream: Task<Void, Never>?
        var sessionStreamOpen = false
        /// Handshake-era requests the client cancelled (or gave up on): never resumed.
        var abandoned: Set<RequestID> = []
    }

    /// Headers this transport owns; static headers may not set them.
    private static let reservedHeaders: Set<String> = [
        "content-type", "accept", "mcp-protocol-version", "mcp-method", "mcp-name", "mcp-session-id", "last-event-id",
    ]

    /// - Parameters:
    ///   - url: the MCP endpoint.
    ///   - headers: static headers sent on every request (for example `Authorization` from a
    ///     credential). Validated here; their values never appear in errors or logs.
    ///   - client: the HTTP client to use; the transport never shuts it down.
    ///   - maxMessageBytes: the largest JSON answer or SSE event accepted.
    ///   - openSessionStream: in the handshake era, open the session's GET stream after
    ///     `notifications/initialized` (DIGEST §13).
    ///   - resumption: how ended handshake-era SSE streams are resumed.
    ///   - onResume: told about each reconnection before its wait starts.
    /// - Throws: `HTTPClientError.invalidHeaderName`, `.invalidHeaderValue(name:)` or
    ///   `.forbiddenHeader` for a header that cannot or must not be sent.
    public init(url: String, headers: [(String, String)] = [], client: HTTPClient, maxMessageBytes: Int = 16 << 20,
                jsonLimits: JSONParser.Limits = .default, openSessionStream: Bool = true,
                resumption: HTTPResumptionPolicy = HTTPResumptionPolicy(),
                onResume: (@Sendable (HTTPStreamResumption) -> Void)? = nil) throws(HTTPClientError)
    {
        self.extraHeaders = try StaticHeaders(headers, reserved: Self.reservedHeaders).fields
        self.url = url
        self.client = client
        self.maxMessageBytes = max(1024, maxMessageBytes)
        self.jsonLimits = jsonLimits
        self.openSessionStream = openSessionStream
        self.resumption = resumption
        self.onResume = onResume
    }

    /// The session id the server gave the `initialize` answer (handshake era), if any.
    public var sessionID: String? { state.withLock { $0.sessionID } }

    /// Whether the session's standalone GET stream is open (the server answered it with 200).
    public var isSessionStreamOpen: Bool { state.withLock { $0.sessionStreamOpen } }

    public func start(_ receive: @escaping @Sendable (MCPTransportEvent) -> Void) {
        state.withLock { $0.receive = receive }
    }

    public func send(_ message: MCPOutgoingMessage) {
        let modern = Self.isModern(message)
        if modern, case .notification(let n) = message.message, n.method == MCPMethod.cancelled {
            // 2026 over HTTP cancels by closing the request's response stream.
            if let raw = n.params?["requestId"], let id = RequestID(raw) {
                state.withLock { $0.inFlight[id] }?.cancel()
            }
            return
        }
        let requestID = message.requestID
        var givenUp: Task<Void, Never>?
        let refused = state.withLock { s -> Bool in
            guard !s.closed else { return true }
            if !modern, let id = Self.cancelledRequest(message), let flight = s.inFlight[id] {
                s.abandoned.insert(id)
                givenUp = flight
            }
            let headers = headers(for: message, modern: modern, state: &s)
            let previous = s.barrier
            let isInitialize = message.method == MCPMethod.initialize
            let sessionSent = !modern && s.sessionID != nil
            let task = Task { [weak self] in
                await previous?.value
                guard let self else { return }
                await self.post(message, headers: headers, isInitialize: isInitialize, sessionSent: sessionSent)
                if let requestID {
                    self.state.withLock { s in
                        s.inFlight.removeValue(forKey: requestID)
                        s.abandoned.remove(requestID)
                    }
                }
            }
            if let requestID { s.inFlight[requestID] = task } else { s.barrier = task }
            return false
        }
        if refused, let requestID {
            deliverFailure(requestID, MCPClientError.transportFailure("the HTTP transport is closed"))
        }
        // The handshake era cancels with the notification, but nobody reads the request's
        // stream any more: close it rather than hold a pooled connection until the server ends
        // it (a server need not answer a cancelled request at all) or the request's own —
        // possibly long — idle limit passes.
        givenUp?.cancel()
    }

    /// Ends the conversation: requests still in flight are abandoned and, in the handshake era,
    /// the session is ended with a DELETE (best effort; its outcome is ignored). The HTTP client
    /// is left running. Idempotent.
    public func close() {
        let (first, tasks, session, version, receive) = state.withLock { s in
            defer { s.closed = true }
            return (!s.closed, Array(s.inFlight.values) + (s.sessionStream.map { [$0] } ?? []), s.sessionID, s.legacyVersion, s.receive)
        }
        guard first else { return }
        for task in tasks { task.cancel() }
        if let session {
            var headers = extraHeaders
            headers.append((name: "Mcp-Session-Id", value: session))
            if let version { headers.append((name: "MCP-Protocol-Version", value: version)) }
            let request = HTTPClientRequest(method: "DELETE", url: url, headers: headers)
            let client = self.client
            let task = Task { _ = try? await client.send(request, maxBodyBytes: 64 * 1024) }
            state.withLock { $0.termination = task }
        }
        receive?(.closed(reason: "the HTTP transport was closed"))
    }

    /// Waits until the DELETE that `close()` sent (if any) has finished.
    public func waitUntilClosed() async {
        await state.withLock { $0.termination }?.value
    }

    // MARK: building requests

    /// The request a `notifications/cancelled` names.
    private static func cancelledRequest(_ message: MCPOutgoingMessage) -> RequestID? {
        guard case .notification(let n) = message.message, n.method == MCPMethod.cancelled, let raw = n.params?["requestId"] else { return nil }
        return RequestID(raw)
    }

    private static func isModern(_ message: MCPOutgoingMessage) -> Bool {
        if let era = message.era { return era == .modern }
        return message.protocolVersion != nil && message.method != MCPMethod.initialize
    }

    private func headers(for message: MCPOutgoingMessage, modern: Bool, state s: inout State) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            (name: "Content-Type", value: "application/json"),
            (name: "Accept", value: "application/json, text/event-stream"),
        ]
        if modern {
            if let version = message.protocolVersion { headers.append((name: "MCP-Protocol-Version", value: version)) }
            if let method = message.method { headers.append((name: "Mcp-Method", value: method)) }
            if let name = message.nameValue { headers.append((name: "Mcp-Name", value: Self.encodeHeaderValue(name))) }
        } else if message.method != MCPMethod.initialize {
            if let version = message.protocolVersion {
                headers.append((name: "MCP-Protocol-Version", value: version))
                s.legacyVersion = version
            }
            if let session = s.sessionID { headers.append((name: "Mcp-Session-Id", value: session)) }
        }
        headers.append(contentsOf: extraHeaders)
        return headers
    }

    /// DIGEST §9: plain visible ASCII without edge spaces goes verbatim, anything else (or a
    /// value that itself looks encoded) as `=?base64?…?=`.
    static func encodeHeaderValue(_ value: String) -> String {
        let bytes = Array(value.utf8)
        let plain = !bytes.isEmpty && bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && bytes.first != 0x20 && bytes.last != 0x20
            && !(value.hasPrefix("=?base64?") && value.hasSuffix("?="))
        return plain ? value : "=?base64?" + Self.base64(bytes) + "?="
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let b0 = UInt32(bytes[i]), b1 = n > 1 ? UInt32(bytes[i + 1]) : 0, b2 = n > 2 ? UInt32(bytes[i + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            out.append(table[Int(v >> 18 & 63)])
            out.append(table[Int(v >> 12 & 63)])
            out.append(n > 1 ? table[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(n > 2 ? table[Int(v & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: one exchange

    private func post(_ message: MCPOutgoingMessage, headers: [(name: String, value: String)], isInitialize: Bool,
                      sessionSent: Bool) async
    {
        let requestID = message.requestID
        let timeouts = timeouts(for: message)
        let request = HTTPClientRequest(method: "POST", url: url, headers: headers, body: message.bytes, timeouts: timeouts)
        do {
            let response = try await client.execute(request)
            if isInitialize, (200..<300).contains(response.status), let session = response.headers["mcp-session-id"] {
                state.withLock { $0.sessionID = session }
            }
            if sessionSent, message.method == MCPMethod.initialized, (200..<300).contains(response.status) {
                startSessionStream()
            }
            guard (200..<300).contains(response.status) else {
                let body = (try? await response.body.collect(upTo: 64 * 1024)) ?? []
                if let requestID { deliverFailure(requestID, failure(status: response.status, body: body, sessionSent: sessionSent)) }
                return
            }
            let contentType = (response.headers["content-type"] ?? "").lowercased()
            var answered = false
            if contentType.hasPrefix("text/event-stream") {
                var cursor = SSECursor()
                var dropped: HTTPClientError?
                do {
                    try await cursor.read(response.body, maxEventBytes: maxMessageBytes) { event in
                        answered = deliverEvent(event, answering: requestID).answered || answered
                        return true
                    }
                } catch let error as HTTPClientError {
                    dropped = error  // the connection failed mid-stream: resumable like an early end
                }
                guard let requestID, !answered, !Task.isCancelled else { return }
                if !Self.isModern(message), !cursor.lastEventID.isEmpty, resumption.maxAttempts > 0 {
                    if let failure = await resume(requestID, from: cursor, sessionSent: sessionSent, timeouts: timeouts) { deliverFailure(requestID, failure) }
                } else if let dropped {
                    deliverFailure(requestID, MCPClientError.transportFailure("HTTP request failed: \(dropped.description)"))
                } else {
                    deliverFailure(requestID, JSONRPCError(.internalError, "HTTP \(response.status): the server ended the event stream without answering the request"))
                }
            } else {
                let body = try await response.body.collect(upTo: maxMessageBytes)
                if body.isEmpty || !contentType.hasPrefix("application/json") {
                    if let requestID {
                        deliverFailure(requestID, JSONRPCError(.internalError, "HTTP \(response.status): the server sent no JSON-RPC response for the request"))
                    }
                    return
                }
                answered = deliver(body, answering: requestID)
            }
        } catch is CancellationError {
            return
        } catch {
            // Cancelled requests are already failed by the client; anything else fails here.
            guard !Task.isCancelled, let requestID else { return }
            let reason = (error as? HTTPClientError)?.description ?? "\(type(of: error))"
            deliverFailure(requestID, MCPClientError.transportFailure("HTTP request failed: \(reason)"))
        }
    }

    /// How long one POST may wait for its response head and between body bytes. The client's
    /// defaults (a minute each) suit notifications and quick requests, but a request's answer
    /// comes when the server has done the work — a JSON answer has no head before that, and an
    /// event stream may stay quiet as long — so a request with a deadline waits at least that
    /// long, and its caller's deadline decides (a gateway's resets on progress, up to a ceiling).
    /// A 2026 `subscriptions/listen` is answered only when it ends, and may stay quiet for hours
    /// on a server that sends no keep-alive: like the session's GET stream, it has no limits.
    /// The configured `overall` is kept for requests: it is an explicit cap on every exchange.
    func timeouts(for message: MCPOutgoingMessage) -> HTTPClient.Timeouts? {
        guard message.requestID != nil else { return nil }
        var timeouts = client.configuration.timeouts
        if message.method == MCPMethod.subscriptionsListen {
            timeouts.responseHead = Self.noLimit
            timeouts.idle = nil
            timeouts.overall = nil
            return timeouts
        }
        guard let deadline = message.timeout else { return nil }
        timeouts.responseHead = max(timeouts.responseHead, deadline)
        timeouts.idle = timeouts.idle.map { max($0, deadline) }
        return timeouts
    }

    /// The response-head limit of a stream that may legitimately wait forever (the HTTP client
    /// requires one): the acknowledgement wait of `listen` bounds it in practice.
    static let noLimit: Duration = .seconds(365 * 24 * 3600)

    // MARK: the session's GET stream

    private func startSessionStream() {
        guard openSessionStream else { return }
        state.withLock { s in
            guard !s.closed, s.sessionStream == nil, let session = s.sessionID else { return }
            var headers = extraHeaders
            headers.append((name: "Accept", value: "text/event-stream"))
            headers.append((name: "Mcp-Session-Id", value: session))
            if let version = s.legacyVersion { headers.append((name: "MCP-Protocol-Version", value: version)) }
            // The stream may stay quiet for hours: no idle limit.
            var timeouts = client.configuration.timeouts
            timeouts.idle = nil
            timeouts.overall = nil
            let request = HTTPClientRequest(method: "GET", url: url, headers: headers, timeouts: timeouts)
            s.sessionStream = Task { [weak self] in await self?.readSessionStream(request) }
        }
    }

    /// Hands one SSE event's message to the client: `delivered` when it carried one (priming
    /// events have empty data), `answered` when that answered `requestID`.
    func deliverEvent(_ event: SSEEvent, answering requestID: RequestID?) -> (delivered: Bool, answered: Bool) {
        guard event.type == "message", !event.data.allSatisfy({ $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }) else {
            return (false, false)
        }
        return (true, deliver(Array(event.data.utf8), answering: requestID))
    }

    /// Decodes one frame and hands its messages to the client; true when it answered `requestID`.
    private func deliver(_ bytes: [UInt8], answering requestID: RequestID?) -> Bool {
        let events = MCPTransportEvent.decode(bytes, limits: jsonLimits)
        guard let receive = state.withLock({ $0.receive }) else { return false }
        var answered = false
        for event in events {
            if case .message(.response(let r)) = event, r.id == requestID { answered = true }
            if case .malformed(let bad) = event, bad.id == requestID { answered = true }
            receive(event)
        }
        return answered
    }

    private func deliverFailure(_ id: RequestID, _ error: JSONRPCError) {
        guard let receive = state.withLock({ $0.receive }) else { return }
        receive(.message(.response(JSONRPCResponse(id: id, error: error))))
    }

    /// Whether `error` is what a 5xx answer without a JSON-RPC body becomes (−32603 "HTTP 503
    /// Service Unavailable", from this transport or the 2024-11-05 one): the endpoint failing,
    /// not the MCP server answering — a gateway's breaker counts it as a failure.
    public static func isBareServerFailure(_ error: MCPClientError) -> Bool {
        guard case .server(let code, let message, nil) = error, code == JSONRPCErrorCode.internalError.rawValue else { return false }
        return message.hasPrefix("HTTP 5")
    }

    /// The error a non-2xx answer means for its request (DIGEST §11.2 and §13).
    private func failure(status: Int, body: [UInt8], sessionSent: Bool) -> JSONRPCError {
        if status == 404 && sessionSent {
            return JSONRPCError(.invalidRequest, "HTTP 404: the server's session has expired or was ended; connect again")
        }
        if let error = Self.serverError(status: status, body: body, limits: jsonLimits) { return error }
        if status == 404 { return JSONRPCError(.methodNotFound, "HTTP 404 Not Found") }
        return JSONRPCError(.internalError, "HTTP \(status) \(Self.phrase(status))")
    }

    /// The JSON-RPC error a non-2xx body carries, if it is one (the Python SDK answers 4xx that
    /// way); a 401 or 403 says so in front of the server's message.
    static func serverError(status: Int, body: [UInt8], limits: JSONParser.Limits) -> JSONRPCError? {
        guard !body.isEmpty, case .message(.response(let r))? = MCPTransportEvent.decode(body, limits: limits).first,
            case .failure(var error) = r.outcome
        else { return nil }
        if status == 401 || status == 403 { error.message = "HTTP \(status) \(phrase(status)): \(error.message)" }
        return error
    }

    static func phrase(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 421: "Misdirected Request"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: status < 500 ? "Client Error" : "Server Error"
        }
    }
}
