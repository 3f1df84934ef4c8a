// HTTPEndpoint: where a Streamable-HTTP upstream MCP server lives and which headers to send it
// (values may reference vault credentials). Validated by `UpstreamServerSpec.parse`.

/// Endpoint settings of an http upstream.
public struct HTTPEndpoint: Sendable, Hashable {
    /// `http://` or `https://` URL with a host, no userinfo and no fragment (see `UpstreamURL`);
    /// its path and query may reference credentials (`${credential:NAME}`), kept as written.
    public var url: String
    /// Headers sent with every request, in configuration order.
    public var headers: [HeaderTemplate]
    /// The server speaks the 2024-11-05 HTTP+SSE transport (`"transport": "sse"`: a GET event
    /// stream that announces where to POST) rather than Streamable HTTP.
    public var isLegacySSE: Bool

    public init(url: String, headers: [HeaderTemplate] = [], isLegacySSE: Bool = false) {
        self.url = url
        self.headers = headers
        self.isLegacySSE = isLegacySSE
    }

    /// The URL's credential references (see `UpstreamURL.template`).
    public var urlTemplate: CredentialTemplate { UpstreamURL.template(url) }

    /// Credentials referenced by the URL and `headers`, in order of first use.
    public var credentialNames: [String] {
        var seen: Set<String> = []
        return (urlTemplate.credentialNames + headers.flatMap(\.credentialNames)).filter { seen.insert($0).inserted }
    }
}
