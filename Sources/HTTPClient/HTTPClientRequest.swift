/// One request as the caller describes it: method, absolute URL, headers, body bytes.
///
/// Why plain values and late validation: headers often come from configuration or templates
/// (an upstream's `Authorization`), so building a request never traps; `HTTPClient.execute`
/// validates everything before a byte is sent and refuses with a precise `HTTPClientError`
/// (`invalidHeaderValue` for CR/LF/NUL injection, `forbiddenHeader` for framing headers the
/// client owns, `invalidURL`, `invalidMethod`).
public struct HTTPClientRequest: Sendable {
    /// The method, case-sensitive (`GET`, `POST`, …).
    public var method: String
    /// An absolute `http://` or `https://` URL. User information (`user:pass@`) is refused; the
    /// fragment is dropped; spaces and non-ASCII bytes in the path and query are percent-encoded.
    public var url: String
    /// Header fields in order. `Host`, `Content-Length` and the connection-management fields are
    /// set by the client and refused here.
    public var headers: [(name: String, value: String)]
    /// The body; sent with `Content-Length` (an empty body on POST/PUT/PATCH sends `Content-Length: 0`).
    public var body: [UInt8]
    /// Overrides `Configuration.timeouts` for this request.
    public var timeouts: HTTPClient.Timeouts?

    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeouts: HTTPClient.Timeouts? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
    }

    /// Appends a header field (validated when the request is executed).
    public mutating func addHeader(_ name: String, _ value: String) {
        headers.append((name, value))
    }

    /// Methods RFC 9110 §9.2.2 calls idempotent: repeating them has the effect of sending them
    /// once, which is what makes an automatic retry safe after the request may have been sent.
    var isIdempotent: Bool {
        switch method {
        case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE": true
        default: false
        }
    }
}
