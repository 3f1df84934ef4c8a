/// A parsed request line and header block, plus the framing facts the connection needs.
///
/// Why separate from `HTTPRequest`: the connection decides body framing, keep-alive and
/// `100-continue` from these fields before any body byte is read. (`package`: `RequestFramer`
/// hands heads to the fuzz target as well as to the connection.)
package struct RequestHead {
    package var method: String
    package var target: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1 (and any later 1.x).
    package var minorVersion: Int
    package var headers: HTTPHeaders
    /// nil when absent.
    package var contentLength: Int?
    package var chunked: Bool
    /// The client wants the connection kept open after this exchange.
    package var keepAlive: Bool
    package var expectContinue: Bool

    package var version: String { minorVersion == 0 ? "HTTP/1.0" : "HTTP/1.1" }
    package var hasBody: Bool { chunked || (contentLength ?? 0) > 0 }
}
