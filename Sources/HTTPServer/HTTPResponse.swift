/// What a handler returns: a status, headers and either bytes or a streaming body.
///
/// Why framing is not the handler's business: the server adds `Content-Length` for bytes,
/// `Transfer-Encoding: chunked` for streams on HTTP/1.1 (close-delimited on HTTP/1.0) and
/// `Connection`. Any `Content-Length`, `Transfer-Encoding`, `Connection` or `Keep-Alive` field a
/// handler sets is dropped, except that `Connection: close` is honoured (the connection closes
/// after this response). A `Date` field is added unless the handler set one.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Body

    public enum Body: Sendable {
        case bytes([UInt8])
        /// Runs in the request's Task after the head is queued. The stream ends when the closure
        /// returns. It is not run at all for HEAD requests and for 204/304 statuses.
        case stream(@Sendable (HTTPBodyWriter) async -> Void)
    }

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = .bytes(body)
    }

    public static func stream(
        status: Int = 200, headers: HTTPHeaders, _ body: @escaping @Sendable (HTTPBodyWriter) async -> Void
    ) -> HTTPResponse {
        var r = HTTPResponse(status: status, headers: headers)
        r.body = .stream(body)
        return r
    }

    /// A `text/event-stream` response with `Cache-Control: no-cache` and `X-Accel-Buffering: no`
    /// (proxies must not buffer SSE). Write `ServerSentEvent`s with `HTTPBodyWriter.send(_:)`.
    public static func eventStream(
        status: Int = 200, headers: HTTPHeaders = HTTPHeaders(), _ body: @escaping @Sendable (HTTPBodyWriter) async -> Void
    ) -> HTTPResponse {
        var h = headers
        h.set("Content-Type", "text/event-stream")
        if !h.contains("Cache-Control") { h.set("Cache-Control", "no-cache") }
        h.set("X-Accel-Buffering", "no")
        return .stream(status: status, headers: h, body)
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ status: Int, _ text: String, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var h = headers
        h.set("Content-Type", "text/plain; charset=utf-8")
        return HTTPResponse(status: status, headers: h, body: Array(text.utf8))
    }

    /// An `application/json` response with the given (already serialized) body.
    public static func json(_ status: Int, _ body: [UInt8], headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var h = headers
        h.set("Content-Type", "application/json")
        return HTTPResponse(status: status, headers: h, body: body)
    }

    /// Whether a response with this status to this method carries a body at all.
    static func permitsBody(status: Int, method: String) -> Bool {
        !(method == "HEAD" || status == 204 || status == 304 || status < 200)
    }
}
