internal import CShim
import HTTPServer
import Synchronization

/// An HTTP/1.1 client for upstream servers: our own sockets for `http://`, URLSession for
/// `https://`, one response type for both.
///
/// Why two transports: on this toolchain URLSession (libcurl) is the only TLS, but it costs
/// ~470 µs per request on loopback against ~70 µs for a socket client (TOOLCHAIN.md §3), and
/// local upstreams (sidecars, our own reference server) speak plain HTTP. The plain path is an
/// epoll loop thread with per-origin keep-alive pools (`ClientLoop`); the https path is one
/// URLSession per client with a streaming delegate (`URLSessionTransport`). Both stream the
/// body with cancellation; only the socket path can pause the network for a slow consumer.
///
/// ```swift
/// let client = HTTPClient()
/// let r = try await client.send(HTTPClientRequest(method: "POST", url: "http://127.0.0.1:8080/mcp",
///                                                 headers: [("Content-Type", "application/json")], body: bytes))
/// let stream = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:8080/mcp",
///                                                         headers: [("Accept", "text/event-stream")]))
/// for try await event in stream.body.serverSentEvents() { … }
/// await client.shutdown()
/// ```
///
/// Threads: one loop thread per client, started by the first `http://` request, plus a short
/// thread per host-name lookup. Nothing blocks a cooperative-pool thread. SIGPIPE is ignored
/// process-wide once the loop starts (sends also use MSG_NOSIGNAL). Keep the client alive while
/// reading responses: dropping it (or `shutdown()`) fails what is still pending with `shutdown`.
public final class HTTPClient: Sendable {
    public let configuration: Configuration
    private let configurationError: HTTPClientError?
    private let transports = Mutex(Transports())
    private let nextID = Atomic<UInt64>(1)

    /// Both transports start lazily: a client that only speaks `http://` never creates a
    /// URLSession, one that only speaks `https://` never starts a loop thread.
    private struct Transports {
        var loop: ClientLoop?
        var session: URLSessionTransport?
        var isShutDown = false
    }

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        do {
            try configuration.validate()
            configurationError = nil
        } catch {
            configurationError = error
        }
    }

    deinit {
        let t = transports.withLock { $0 }
        t.loop?.post(.stop)
        t.session?.invalidate()
    }

    /// Sends `request` and returns as soon as the final response head has arrived; the body
    /// streams (see `HTTPClientResponse.Body`).
    ///
    /// Throws `HTTPClientError` (validation, connect, timeouts, limits, malformed responses) or
    /// `CancellationError` when the calling Task is cancelled; either way the connection the
    /// request was using is closed, never returned to the pool.
    public func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let startedAt = cshim_monotonic_ns()
        if let configurationError { throw configurationError }
        let url = try ClientURL(parsing: request.url)
        try RequestEncoder.validate(method: request.method, headers: request.headers)
        let timeouts = request.timeouts ?? configuration.timeouts
        try timeouts.validate()
        try Task.checkCancellation()
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        if url.scheme == .https || configuration.transportPreference == .urlSession {
            // URLSession resolves on its own: check the host's addresses first.
            if configuration.addressPolicy != .any { try await checkAddresses(of: url.origin.host) }
            return try await urlSession().execute(request, url: url, timeouts: timeouts, id: id, startedAt: startedAt)
        }
        let loop = try eventLoop()
        let exchange = Exchange(
            id: id, highWaterMark: configuration.streamHighWaterMark, lowWaterMark: configuration.streamLowWaterMark,
            resumeProducer: { [weak loop] in loop?.post(.resume(exchangeID: id)) },
            abortProducer: { [weak loop] in loop?.post(.abort(exchangeID: id)) })
        let handle = BodyHandle(exchange: exchange)
        loop.post(
            .submit(
                PreparedRequest(
                    exchange: exchange, origin: url.origin,
                    bytes: RequestEncoder.encode(method: request.method, url: url, headers: request.headers, body: request.body),
                    isHeadRequest: request.method == "HEAD", isIdempotent: request.isIdempotent, timeouts: timeouts,
                    startedAt: startedAt)))
        let head = try await exchange.head()
        return HTTPClientResponse(head: head, body: .init(handle: handle, expectedLength: head.contentLength))
    }

    /// Throws `addressNotAllowed` unless `host` resolves to at least one address the policy
    /// allows and to none it refuses.
    private func checkAddresses(of host: String) async throws {
        let addresses: [String]
        if Resolver.isNumeric(host) {
            addresses = [host]
        } else {
            addresses = try await withCheckedThrowingContinuation { continuation in
                Resolver.resolve(host) { continuation.resume(with: $0) }
            }
        }
        guard !addresses.isEmpty, addresses.allSatisfy({ configuration.addressPolicy.allows($0) }) else {
            throw HTTPClientError.addressNotAllowed(host: host)
        }
    }

    /// Sends `request` and reads the whole body, failing with `bodyTooLarge` past
    /// `maxBodyBytes` (default `Configuration.maxBodyBytes`).
    public func send(_ request: HTTPClientRequest, maxBodyBytes: Int? = nil) async throws -> HTTPClientResponse.Buffered {
        let response = try await execute(request)
        let body = try await response.body.collect(upTo: maxBodyBytes ?? configuration.maxBodyBytes)
        return HTTPClientResponse.Buffered(
            status: response.status, reasonPhrase: response.reasonPhrase, version: response.version,
            headers: response.headers, body: body, trailers: response.body.trailers ?? HTTPHeaders())
    }

    /// Stops the client: pending requests fail with `shutdown`, every pooled connection is
    /// closed, the loop thread exits (awaited), and the URLSession is invalidated. Later
    /// requests fail with `shutdown`. Safe to call more than once.
    public func shutdown() async {
        let t = transports.withLock { t -> Transports in
            defer { t = Transports(loop: nil, session: nil, isShutDown: true) }
            return t
        }
        if let loop = t.loop {
            loop.post(.stop)
            await loop.exited.wait()
        }
        t.session?.invalidate()
    }

    private func eventLoop() throws(HTTPClientError) -> ClientLoop {
        try transports.withLock { t throws(HTTPClientError) -> ClientLoop in
            if t.isShutDown { throw .shutdown }
            if let loop = t.loop { return loop }
            let loop = try ClientLoop(configuration: configuration)
            loop.start()
            t.loop = loop
            return loop
        }
    }

    private func urlSession() throws(HTTPClientError) -> URLSessionTransport {
        try transports.withLock { t throws(HTTPClientError) -> URLSessionTransport in
            if t.isShutDown { throw .shutdown }
            if let session = t.session { return session }
            let session = URLSessionTransport(configuration: configuration)
            t.session = session
            return session
        }
    }
}
