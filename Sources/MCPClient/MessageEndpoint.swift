/// The URL a 2024-11-05 HTTP+SSE server names in its `endpoint` event, resolved against the SSE
/// URL (RFC 3986 §5.2) and held to the SSE URL's origin.
///
/// Why the origin check: every POST to the endpoint carries the transport's static headers, which
/// usually hold a credential. A server (or whatever sits in front of it) that names another
/// scheme, host or port would make us send them there, so such an endpoint is refused. The
/// refusal names the other origin, never the endpoint's path or query (a query may carry a token).
struct MessageEndpoint: Sendable, Equatable {
    /// The absolute URL to POST to (fragment removed).
    let url: String

    struct Refusal: Error, Sendable, Equatable {
        let reason: String
    }

    /// Resolves `reference` against `base`, an absolute `http`/`https` URL.
    init(resolving reference: String, against base: String) throws(Refusal) {
        let text = reference.trimmingASCIISpaces
        guard !text.isEmpty else { throw Refusal(reason: "the server's endpoint event named no URL") }
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw Refusal(reason: "the server's endpoint event holds spaces or control characters")
        }
        let baseReference = URIReference(base)
        guard let baseOrigin = URLOrigin(baseReference) else {
            throw Refusal(reason: "the SSE URL is not an absolute http or https URL")
        }
        let resolved = baseReference.resolving(URIReference(text))
        guard let origin = URLOrigin(resolved) else {
            throw Refusal(reason: "the server's endpoint event names no http or https URL")
        }
        guard origin == baseOrigin else {
            throw Refusal(reason: "the server's endpoint event names another origin (\(origin)) than the SSE URL (\(baseOrigin)); "
                          + "refusing to send requests and their headers there")
        }
        url = resolved.text
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs, CRs and LFs.
    fileprivate var trimmingASCIISpaces: String {
        let bytes = Array(utf8)
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
