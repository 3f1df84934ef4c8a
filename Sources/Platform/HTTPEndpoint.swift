// HTTPEndpoint: where a Streamable-HTTP upstream MCP server lives and which headers to send it
// (values may reference vault credentials). Validated by `UpstreamServerSpec.parse`.

/// Endpoint settings of an http upstream.
public struct HTTPEndpoint: Sendable, Hashable {
    /// `http://` or `https://` URL with a host, no userinfo and no fragment (see `UpstreamURL`).
    public var url: String
    /// Headers sent with every request, in configuration order.
    public var headers: [HeaderTemplate]

    public init(url: String, headers: [HeaderTemplate] = []) {
        self.url = url
        self.headers = headers
    }

    /// Credentials referenced by `headers`, in order of first use.
    public var credentialNames: [String] {
        var seen: Set<String> = []
        return headers.flatMap(\.credentialNames).filter { seen.insert($0).inserted }
    }
}
