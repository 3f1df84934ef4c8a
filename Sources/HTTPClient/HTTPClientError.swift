/// Everything `HTTPClient` can fail with (Task cancellation is reported as `CancellationError`).
///
/// Why one enum with precise cases: a gateway has to tell "the upstream is slow" (which timeout),
/// "the upstream is broken" (malformed, closed) and "the upstream is too big" (which limit) apart
/// to answer its own caller correctly. Cases never carry the URL, a header value or body bytes,
/// because those can hold credentials; header errors name the header, never its value.
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL could not be parsed; the text says why (it never repeats the URL).
    case invalidURL(String)
    /// Only `http` and `https` are supported.
    case unsupportedScheme(String)
    /// The method is not an RFC 9110 token.
    case invalidMethod
    /// A request header name is not an RFC 9110 token.
    case invalidHeaderName(String)
    /// A request header value contains CR, LF, NUL or another control byte (header injection).
    case invalidHeaderValue(name: String)
    /// The header is managed by the client (`Host`, `Content-Length`, `Transfer-Encoding`,
    /// `Connection`, `Keep-Alive`, `Upgrade`, `TE`, `Trailer`, `Proxy-Connection`).
    case forbiddenHeader(String)
    /// getaddrinfo found no address for the host.
    case nameResolutionFailed(host: String, reason: String)
    /// Every address refused or failed the TCP connect (`errno` of the last attempt).
    case connectFailed(errno: Int32)
    /// Every address of the host is one the address policy refuses (private, loopback, …).
    case addressNotAllowed(host: String)
    /// Resolving and connecting took longer than `Timeouts.connect`.
    case connectTimeout
    /// The final response head did not arrive within `Timeouts.responseHead` of sending.
    case responseHeadTimeout
    /// No body byte arrived for `Timeouts.idle`.
    case idleTimeout
    /// The whole exchange took longer than `Timeouts.overall`.
    case deadlineExceeded
    /// The server closed (or reset) the connection before the response was complete.
    case connectionClosed
    /// A socket call failed with this `errno`.
    case socketError(errno: Int32)
    /// The response head (status line + fields) exceeded `Configuration.maxHeadBytes`.
    case headTooLarge(limit: Int)
    /// The response had more than `Configuration.maxHeaderCount` header fields.
    case tooManyHeaders(limit: Int)
    /// The body exceeded the buffered-body limit (`Configuration.maxBodyBytes` or the
    /// `maxBodyBytes` argument of `send`/`collect`).
    case bodyTooLarge(limit: Int)
    /// The chunked trailer section exceeded `Configuration.maxHeadBytes`.
    case trailersTooLarge(limit: Int)
    /// The URLSession path cannot pause the network (see `URLSessionTransport`), so a consumer
    /// that falls this many bytes behind fails instead of growing memory without bound.
    case consumerTooSlow(limit: Int)
    /// The response broke HTTP/1.1 framing or syntax; the text says how.
    case malformedResponse(String)
    /// The client was shut down while the request was pending.
    case shutdown
    /// `HTTPClient.Configuration` or a request's `Timeouts` are inconsistent (the text says which).
    case invalidConfiguration(String)
    /// A URLSession failure that maps to nothing above (`URLError` code and description).
    case transport(code: Int, description: String)

    public var description: String {
        switch self {
        case .invalidURL(let why): "invalid URL: \(why)"
        case .unsupportedScheme(let s): "unsupported URL scheme \(s.debugDescription) (want http or https)"
        case .invalidMethod: "invalid request method (must be an RFC 9110 token)"
        case .invalidHeaderName(let n): "invalid request header name \(n.debugDescription)"
        case .invalidHeaderValue(let n): "invalid value for request header \(n) (CR, LF, NUL and control bytes are not allowed)"
        case .forbiddenHeader(let n): "request header \(n) is managed by the HTTP client and cannot be set"
        case .nameResolutionFailed(let h, let why): "cannot resolve \(h): \(why)"
        case .addressNotAllowed(let h): "\(h) is a private, loopback or link-local address, which this client may not connect to (address policy: public only)"
        case .connectFailed(let e): "connect failed: errno \(e)"
        case .connectTimeout: "connect timed out"
        case .responseHeadTimeout: "timed out waiting for the response head"
        case .idleTimeout: "timed out waiting for more response body bytes"
        case .deadlineExceeded: "the request exceeded its overall deadline"
        case .connectionClosed: "the server closed the connection before the response was complete"
        case .socketError(let e): "socket error: errno \(e)"
        case .headTooLarge(let n): "response head exceeds the limit of \(n) bytes (maxHeadBytes)"
        case .tooManyHeaders(let n): "response has more than \(n) header fields (maxHeaderCount)"
        case .bodyTooLarge(let n): "response body exceeds the limit of \(n) bytes (maxBodyBytes)"
        case .trailersTooLarge(let n): "response trailers exceed the limit of \(n) bytes (maxHeadBytes)"
        case .consumerTooSlow(let n): "the body consumer fell more than \(n) bytes behind (urlSessionBufferLimit)"
        case .malformedResponse(let why): "malformed response: \(why)"
        case .shutdown: "the HTTP client was shut down"
        case .invalidConfiguration(let why): "invalid HTTP client configuration: \(why)"
        case .transport(let code, let d): "transport error \(code): \(d)"
        }
    }
}
