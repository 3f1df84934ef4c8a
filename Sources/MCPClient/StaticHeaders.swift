import HTTPClient
import HTTPServer

/// The static headers an HTTP transport sends on every request (typically `Authorization` from a
/// credential), validated once when the transport is made.
///
/// Why validate up front: a value with CR or LF would be refused by `HTTPClient` on every single
/// request, and a header the transport itself owns (`Content-Type`, `Mcp-Session-Id`, …) would
/// silently fight the protocol. Refusing at construction names the header, never its value, so a
/// misconfigured credential cannot leak through the error.
struct StaticHeaders: Sendable {
    let fields: [(name: String, value: String)]

    /// - Throws: `.invalidHeaderName`, `.invalidHeaderValue(name:)`, or `.forbiddenHeader` for a
    ///   name in `reserved` (lowercased names).
    init(_ headers: [(String, String)], reserved: Set<String>) throws(HTTPClientError) {
        for (name, value) in headers {
            guard HTTPHeaders.isValidName(name) else { throw .invalidHeaderName(name) }
            guard HTTPHeaders.isValidValue(value) else { throw .invalidHeaderValue(name: name) }
            if reserved.contains(name.lowercased()) { throw .forbiddenHeader(name) }
        }
        fields = headers.map { (name: $0.0, value: $0.1) }
    }
}
