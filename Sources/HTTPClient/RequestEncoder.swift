import HTTPServer

/// Validates a request and writes its HTTP/1.1 wire bytes.
///
/// Why validation lives with the encoder: the only way to inject a header or smuggle a second
/// request is through bytes we write, so the checks sit next to the writing and use the same
/// byte classes as our server's parser (`HTTPSyntax`): the method and header names must be
/// tokens, header values must not hold CR, LF, NUL or other controls, and the framing fields are
/// ours alone (a caller-supplied `Content-Length` or `Transfer-Encoding` would let the body
/// disagree with the framing; `Connection`/`Upgrade` would break pooling; `Host` comes from the URL).
enum RequestEncoder {
    /// Lowercased names the caller may not set.
    static let managedHeaders: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer",
        "proxy-connection",
    ]

    /// Throws the first problem found (method, then headers in order).
    static func validate(method: String, headers: [(name: String, value: String)]) throws(HTTPClientError) {
        guard HTTPSyntax.isToken(method) else { throw .invalidMethod }
        for (name, value) in headers {
            guard HTTPSyntax.isToken(name) else { throw .invalidHeaderName(name) }
            guard HTTPSyntax.isFieldValue(value) else { throw .invalidHeaderValue(name: name) }
            if managedHeaders.contains(name.lowercased()) { throw .forbiddenHeader(name) }
        }
    }

    /// The full request: head (request line, `Host`, the caller's fields, `Content-Length`) and
    /// body in one buffer, so it usually leaves in a single write. Call `validate` first.
    static func encode(method: String, url: ClientURL, headers: [(name: String, value: String)], body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + url.target.utf8.count + headers.count * 32 + body.count)
        func append(_ s: String) { out.append(contentsOf: s.utf8) }
        func crlf() { out.append(contentsOf: [0x0D, 0x0A]) }
        append(method)
        append(" ")
        append(url.target)
        append(" HTTP/1.1")
        crlf()
        append("Host: ")
        append(url.hostField)
        crlf()
        for (name, value) in headers {
            append(name)
            append(": ")
            append(value)
            crlf()
        }
        if !body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH" {
            append("Content-Length: ")
            append(String(body.count))
            crlf()
        }
        crlf()
        out.append(contentsOf: body)
        return out
    }
}
