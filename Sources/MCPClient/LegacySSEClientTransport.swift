import HTTPClient
import HTTPServer
import JSON
import JSONRPC
import Synchronization

/// The 2024-11-05 HTTP+SSE transport (DIGEST §13) for servers that predate Streamable HTTP: one
/// long GET whose event stream carries everything the server sends, and one POST per message of
/// ours to the URL named by the stream's `endpoint` event.
///
/// Why the stream is the connection: every response travels on it, so when it ends (the server
/// went away, the connection dropped, an event over `maxEventBytes`) no pending request can be
/// answered any more; the end is reported once as `.closed`, which fails them all with the
/// reason. A POST only hands a message over (202 Accepted), so a POST that fails fails just its
/// own request with an error response, as in `HTTPClientTransport`; reasons never hold header
/// values, which can be credentials.
///
/// Why the endpoint is checked: it comes from the server, and every POST carries our static
/// headers. It is resolved against the SSE URL and refused (the connection is closed with the
/// reason) when it names another scheme, host or port (`MessageEndpoint`). Only the first
/// `endpoint` event counts.
///
/// Ordering: messages sent before the endpoint arrived wait, in order, up to `maxQueuedMessages`
/// (more closes the connection: a client that sends that much before the server has even spoken
/// is not being answered); no endpoint within `endpointTimeout` closes it too. POSTs then go out
/// one at a time in send order, so `notifications/initialized` reaches the server before the next
/// request and a `notifications/cancelled` after the request it cancels.
///
/// This transport carries only the handshake era (`carriesModernEra` is false): connecting with
/// `.auto` sends `initialize` without a `server/discover` probe.
public final class LegacySSEClientTransport: MCPClientTransport {
    /// The SSE URL (`http://` or `https://`), typically ending in `/sse`.
    public let url: String
    /// The largest event accepted on the stream.
    public let maxEventBytes: Int
    /// How long the server may take to send its `endpoint` event.
    public let endpointTimeout: Duration
    /// Messages kept while the endpoint is not known yet.
    public let maxQueuedMessages: Int
    private let extraHeaders: [(name: String, value: String)]
    private let client: HTTPClient
    private let jsonLimits: JSONParser.Limits
    private let state = Mutex(State())

    private struct State {
        var receive: (@Sendable (MCPTransportEvent) -> Void)?
        var started = false
        /// Why the connection ended, once it has (reported exactly once).
        var ended: String?
        /// The resolved POST URL, once the `endpoint` event arrived.
        var endpoint: String?
        /// Messages sent before the endpoint was known, in order.
        var waiting: [MCPOutgoingMessage] = []
        /// The last POST; the next one starts after it.
        var lastPost: Task<Void, Never>?
        var stream: Task<Void, Never>?
        var endpointTimer: Task<Void, Never>?
    }

    /// Headers this transport owns; static headers may not set them.
    private static let reservedHeaders: Set<String> = ["content-type", "accept", "last-event-id"]

    /// - Parameters:
    ///   - url: the SSE URL.
    ///   - headers: static headers sent on the GET and on every POST (for example `Authorization`
    ///     from a credential). Validated here; their values never appear in errors or logs.
    ///   - client: the HTTP client to use; the transport never shuts it down.
    ///   - maxEventBytes: the largest event accepted on the stream.
    ///   - endpointTimeout: how long to wait for the `endpoint` event after `start`.
    ///   - maxQueuedMessages: messages kept until the endpoint is known.
    /// - Throws: `HTTPClientError.invalidHeaderName`, `.invalidHeaderValue(name:)` or
    ///   `.forbiddenHeader` for a header that cannot or must not be sent.
    public init(url: String, headers: [(String, String)] = [], client: HTTPClient, maxEventBytes: Int = 16 << 20,
                endpointTimeout: Duration = .seconds(30), maxQueuedMessages: Int = 64,
                jsonLimits: JSONParser.Limits = .default) throws(HTTPClientError)
    {
        self.extraHeaders = try StaticHeaders(headers, reserved: Self.reservedHeaders).fields
        self.url = url
        self.client = client
        self.maxEventBytes = max(1024, maxEventBytes)
        self.endpointTimeout = max(.milliseconds(1), endpointTimeout)
        self.maxQueuedMessages = max(1, maxQueuedMessages)
        self.jsonLimits = jsonLimits
    }

    deinit {
        let s = state.withLock { $0 }
        s.stream?.cancel()
        s.endpointTimer?.cancel()
    }

    public var carriesModernEra: Bool { false }

    /// The resolved URL messages are POSTed to, once the server named it.
    public var endpoint: String? { state.withLock { $0.endpoint } }

    /// Opens the event stream; messages sent meanwhile wait for its `endpoint` event.
    public func start(_ receive: @escaping @Sendable (MCPTransportEvent) -> Void) {
        var headers = extraHeaders
        headers.append((name: "Accept", value: "text/event-stream"))
        // The stream is the whole conversation and may stay quiet for hours: no idle limit.
        var timeouts = client.configuration.timeouts
        timeouts.idle = nil
        timeouts.overall = nil
        let request = HTTPClientRequest(method: "GET", url: url, headers: headers, timeouts: timeouts)
        let timeout = endpointTimeout
        state.withLock { s in
            guard !s.started else { return }
            s.started = true
            s.receive = receive
            guard s.ended == nil else { return }
            s.stream = Task { [weak self] in await self?.readStream(request) }
            s.endpointTimer = Task { [weak self] in
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                self?.endpointTimedOut(after: timeout)
            }
        }
    }

    public func send(_ message: MCPOutgoingMessage) {
        enum Outcome { case posted, queued, ended(String), overflow }
        let outcome = state.withLock { s -> Outcome in
            if let ended = s.ended { return .ended(ended) }
            guard let endpoint = s.endpoint else {
                guard s.waiting.count < maxQueuedMessages else { return .overflow }
                s.waiting.append(message)
                return .queued
            }
            enqueuePost(message, to: endpoint, state: &s)
            return .posted
        }
        switch outcome {
        case .posted, .queued:
            return
        case .ended(let reason):
            if let id = message.requestID { deliverFailure(id, JSONRPCError(.internalError, "the HTTP+SSE connection has ended: \(reason)")) }
        case .overflow:
            finish("more than \(maxQueuedMessages) messages waited for the server's endpoint event")
        }
    }

    /// Ends the conversation: the event stream is cancelled (the server ends the session when it
    /// sees the stream go) and nothing more is POSTed. The HTTP client is left running. Idempotent.
    public func close() {
        finish("the HTTP+SSE transport was closed")
    }

    // MARK: the event stream

    private func readStream(_ request: HTTPClientRequest) async {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request)
        } catch is CancellationError {
            return finish("the HTTP+SSE transport was closed")
        } catch {
            return finish("cannot open the server's event stream: \(Self.describe(error))")
        }
        guard response.status == 200 else {
            return finish("the server answered the event stream request with HTTP \(response.status) \(HTTPClientTransport.phrase(response.status))")
        }
        let contentType = (response.headers["content-type"] ?? "").lowercased()
        guard contentType.hasPrefix("text/event-stream") else {
            return finish("the server answered the event stream request with a body that is not text/event-stream")
        }
        do {
            for try await event in response.body.serverSentEvents(maxEventBytes: maxEventBytes) {
                switch event.type {
                case "endpoint":
                    adoptEndpoint(event.data)
                case "message":
                    guard !event.data.allSatisfy({ $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }) else { continue }
                    deliver(Array(event.data.utf8))
                default:
                    continue  // unknown event types are ignored, as an EventSource would
                }
            }
            finish("the server ended the event stream")
        } catch is CancellationError {
            finish("the HTTP+SSE transport was closed")
        } catch {
            finish("the server's event stream failed: \(Self.describe(error))")
        }
    }

    private func adoptEndpoint(_ data: String) {
        let resolved: MessageEndpoint
        do {
            resolved = try MessageEndpoint(resolving: data, against: url)
        } catch {
            // A refused endpoint is fatal only while none is known; later ones are ignored anyway.
            if state.withLock({ $0.endpoint == nil }) { finish(error.reason) }
            return
        }
        let timer = state.withLock { s -> Task<Void, Never>? in
            guard s.endpoint == nil, s.ended == nil else { return nil }
            s.endpoint = resolved.url
            for message in s.waiting { enqueuePost(message, to: resolved.url, state: &s) }
            s.waiting = []
            defer { s.endpointTimer = nil }
            return s.endpointTimer
        }
        timer?.cancel()
    }

    private func endpointTimedOut(after timeout: Duration) {
        guard state.withLock({ $0.endpoint == nil }) else { return }
        finish("the server sent no endpoint event within \(timeout)")
    }

    /// The end of the connection, whatever caused it: stops the stream and the timer, drops what
    /// waits, and reports `.closed` with the first reason. Once.
    private func finish(_ reason: String) {
        let ended = state.withLock { s -> (receive: (@Sendable (MCPTransportEvent) -> Void)?, tasks: [Task<Void, Never>])? in
            guard s.ended == nil else { return nil }
            s.ended = reason
            s.waiting = []
            defer {
                s.stream = nil
                s.endpointTimer = nil
            }
            return (s.receive, [s.stream, s.endpointTimer].compactMap { $0 })
        }
        guard let ended else { return }
        for task in ended.tasks { task.cancel() }
        ended.receive?(.closed(reason: reason))
    }

    // MARK: posting

    /// Chains the POST of `message` after the previous one. Called under the state lock, so the
    /// chain follows send order.
    private func enqueuePost(_ message: MCPOutgoingMessage, to endpoint: String, state s: inout State) {
        let previous = s.lastPost
        s.lastPost = Task { [weak self] in
            await previous?.value
            await self?.post(message, to: endpoint)
        }
    }

    private func post(_ message: MCPOutgoingMessage, to endpoint: String) async {
        guard state.withLock({ $0.ended == nil }) else { return }
        var headers = extraHeaders
        headers.append((name: "Content-Type", value: "application/json"))
        let request = HTTPClientRequest(method: "POST", url: endpoint, headers: headers, body: message.bytes)
        let requestID = message.requestID
        do {
            let response = try await client.execute(request)
            // The answer is a formality ("Accepted"); read a little of it only to explain a failure.
            let body = (try? await response.body.collect(upTo: 64 * 1024)) ?? []
            guard !(200..<300).contains(response.status), let requestID else { return }
            deliverFailure(requestID, failure(status: response.status, body: body))
        } catch is CancellationError {
            return
        } catch {
            guard let requestID else { return }
            deliverFailure(requestID, MCPClientError.transportFailure("HTTP request failed: \(Self.describe(error))"))
        }
    }

    private func failure(status: Int, body: [UInt8]) -> JSONRPCError {
        if let error = HTTPClientTransport.serverError(status: status, body: body, limits: jsonLimits) { return error }
        if status == 404 {
            return JSONRPCError(.invalidRequest, "HTTP 404 Not Found: the server no longer knows this HTTP+SSE session")
        }
        return JSONRPCError(.internalError, "HTTP \(status) \(HTTPClientTransport.phrase(status))")
    }

    // MARK: delivering

    private func deliver(_ bytes: [UInt8]) {
        let events = MCPTransportEvent.decode(bytes, limits: jsonLimits)
        guard let receive = state.withLock({ $0.receive }) else { return }
        for event in events { receive(event) }
    }

    private func deliverFailure(_ id: RequestID, _ error: JSONRPCError) {
        guard let receive = state.withLock({ $0.receive }) else { return }
        receive(.message(.response(JSONRPCResponse(id: id, error: error))))
    }

    /// An error as words that hold no URL or header value.
    private static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError { return e.description }
        if let e = error as? SSEParserError { return e.description }
        return "\(type(of: error))"
    }
}
