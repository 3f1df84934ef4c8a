import HTTPServer

/// A final (non-1xx) response head as a transport delivers it to the waiting caller.
///
/// Why separate from `HTTPClientResponse`: transports produce heads on their own threads; the
/// public response adds the body handle only once the caller's Task has the head.
struct ResponseHead: Sendable {
    var status: Int
    var reasonPhrase: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    var version: String
    var headers: HTTPHeaders
    /// The announced body length, when the framing is `Content-Length` (nil for chunked,
    /// close-delimited, and bodiless responses).
    var contentLength: Int?
}
