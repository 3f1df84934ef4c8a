/// A parsed request line and header block, plus the framing facts the connection needs.
///
/// Why separate from `HTTPRequest`: the connection decides body framing, keep-alive and
/// `100-continue` from these fields before any body byte is read.
struct RequestHead {
    var method: String
    var target: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1 (and any later 1.x).
    var minorVersion: Int
    var headers: HTTPHeaders
    /// nil when absent.
    var contentLength: Int?
    var chunked: Bool
    /// The client wants the connection kept open after this exchange.
    var keepAlive: Bool
    var expectContinue: Bool

    var version: String { minorVersion == 0 ? "HTTP/1.0" : "HTTP/1.1" }
    var hasBody: Bool { chunked || (contentLength ?? 0) > 0 }
}
