import Foundation
import HTTPServer
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The `https://` transport (and `http://` when `transportPreference` is `.urlSession`): one
/// URLSession per client, its delegate streaming into the same `Exchange` our socket path uses.
///
/// Why a delegate and not `data(for:)`: `bytes(for:)` does not exist on Linux and `data(for:)`
/// buffers the whole body, which would hold SSE events until the stream ends. With
/// `URLSessionDataDelegate`, `didReceive(data)` fires as bytes arrive (TOOLCHAIN.md §3).
///
/// What differs from the socket path, and why:
/// - no back-pressure: suspending a running task in swift-corelibs-foundation removes its
///   libcurl handle from the multi handle, which restarts the transfer (the request would be
///   sent again), so a consumer that falls `urlSessionBufferLimit` bytes behind fails with
///   `consumerTooSlow` instead;
/// - timeouts are ours (`SessionTaskRecord` runs a timer per task): the response-head clock starts when
///   the task starts, so it includes the TLS handshake (there is no separate connect clock);
///   URLSession's own timer is set far out so it never fires first;
/// - redirects are not followed (as on the socket path): a 3xx is returned as it is, so a
///   credential header is never forwarded to another host;
/// - no cookies, cache or credential storage; libcurl adds `Accept-Encoding` and decompresses,
///   so `Content-Length` is reported only for responses without `Content-Encoding`;
/// - reason phrases and trailers are not available, header order is not preserved, and the
///   response-head limits (`maxHeadBytes`, `maxHeaderCount`) are libcurl's, not ours.
final class URLSessionTransport: Sendable {
    private let session: URLSession
    private let delegate: SessionDelegate
    private let bufferLimit: Int

    init(configuration: HTTPClient.Configuration) {
        let c = URLSessionConfiguration.ephemeral
        c.httpMaximumConnectionsPerHost = configuration.maxConnectionsPerOrigin
        c.requestCachePolicy = .reloadIgnoringLocalCacheData
        c.urlCache = nil
        c.httpCookieStorage = nil
        c.httpShouldSetCookies = false
        c.urlCredentialStorage = nil
        c.timeoutIntervalForRequest = Self.farTimeout
        c.timeoutIntervalForResource = Self.farTimeout
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        queue.name = "http-client.urlsession-delegate"
        delegate = SessionDelegate()
        session = URLSession(configuration: c, delegate: delegate, delegateQueue: queue)
        bufferLimit = configuration.urlSessionBufferLimit
    }

    /// One week: URLSession's own (per-write, whole seconds) timer must never beat ours.
    private static let farTimeout: TimeInterval = 7 * 24 * 3600

    func execute(
        _ request: HTTPClientRequest, url: ClientURL, timeouts: HTTPClient.Timeouts, id: UInt64, startedAt: UInt64
    ) async throws -> HTTPClientResponse {
        var host = url.host
        if url.isIPv6Literal { host = "[" + host.replacingOccurrences(of: "%", with: "%25") + "]" }
        let port = url.isDefaultPort ? "" : ":\(url.port)"
        guard let target = URL(string: "\(url.scheme.rawValue)://\(host)\(port)\(url.target)") else {
            throw HTTPClientError.invalidURL("not accepted by URLSession")
        }
        var r = URLRequest(url: target)
        r.httpMethod = request.method
        r.timeoutInterval = Self.farTimeout
        for (name, value) in request.headers { r.addValue(value, forHTTPHeaderField: name) }
        if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
            r.httpBody = Data(request.body)
        }
        let task = TaskBox(task: session.dataTask(with: r))
        let exchange = Exchange(
            id: id, highWaterMark: Int.max, lowWaterMark: Int.max, hardLimit: bufferLimit, resumeProducer: {},
            abortProducer: { task.task.cancel() })
        let record = SessionTaskRecord(exchange: exchange, task: task, timeouts: timeouts, startedAt: startedAt)
        delegate.register(task.task.taskIdentifier, record)
        task.task.resume()
        record.scheduleCheck()
        let handle = BodyHandle(exchange: exchange)
        let head = try await exchange.head()
        return HTTPClientResponse(head: head, body: .init(handle: handle, expectedLength: head.contentLength))
    }

    /// Fails every pending request with `shutdown` and invalidates the session.
    func invalidate() {
        for record in delegate.removeAll() { record.expire(.shutdown) }
        session.invalidateAndCancel()
    }
}

/// A URLSessionDataTask handed to `@Sendable` closures.
///
/// SAFETY (`@unchecked Sendable`): only `cancel()` and `resume()` are called through it, and
/// URLSessionTask serialises both on its own work queue.
struct TaskBox: @unchecked Sendable {
    let task: URLSessionDataTask
}
