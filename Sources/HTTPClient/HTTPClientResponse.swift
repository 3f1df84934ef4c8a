import HTTPServer

/// A response whose head has arrived and whose body streams in as it is received.
///
/// Why streaming by default: MCP servers answer with SSE streams that can stay open for hours;
/// buffering would hold every event until the end. Use `body.collect(upTo:)` (or
/// `HTTPClient.send`) for ordinary responses. Dropping a response before its body has ended
/// closes the connection (it is not returned to the pool), which is also how to stop a stream
/// early; cancelling the Task that reads the body does the same.
public struct HTTPClientResponse: Sendable {
    /// The final status (1xx responses are skipped).
    public let status: Int
    /// The reason phrase as sent (often empty on the URLSession path, which does not report it).
    public let reasonPhrase: String
    /// `HTTP/1.1` or `HTTP/1.0` (always `HTTP/1.1` on the URLSession path).
    public let version: String
    public let headers: HTTPHeaders
    public let body: Body

    init(head: ResponseHead, body: Body) {
        status = head.status
        reasonPhrase = head.reasonPhrase
        version = head.version
        headers = head.headers
        self.body = body
    }

    /// A response with its whole body in memory, from `HTTPClient.send` (`public init` lets
    /// layers above test their code without sockets).
    public struct Buffered: Sendable {
        public let status: Int
        public let reasonPhrase: String
        public let version: String
        public let headers: HTTPHeaders
        public let body: [UInt8]
        /// Trailer fields of a chunked body (empty when none were sent).
        public let trailers: HTTPHeaders

        public init(
            status: Int, reasonPhrase: String = "", version: String = "HTTP/1.1", headers: HTTPHeaders = HTTPHeaders(),
            body: [UInt8] = [], trailers: HTTPHeaders = HTTPHeaders()
        ) {
            self.status = status
            self.reasonPhrase = reasonPhrase
            self.version = version
            self.headers = headers
            self.body = body
            self.trailers = trailers
        }

        /// The body decoded as UTF-8 (invalid sequences repaired).
        public var text: String { String(decoding: body, as: UTF8.self) }
    }
}
