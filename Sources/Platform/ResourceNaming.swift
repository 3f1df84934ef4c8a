// ResourceNaming: the URIs under which a gateway shows resources aggregated from several
// upstreams. Two upstreams may both serve `file:///README.md`, so each URI is prefixed with the
// server it came from: `agentbridge://upstream/<server>/<original URI>`. The original is kept
// verbatim after the prefix (no re-encoding), so the mapping is reversible by stripping the
// prefix, stable when other upstreams join or leave, and a URI template stays a valid template
// (the prefix is literal text). Server ids are slugs, so they never contain `/`.

/// Namespaced resource URIs for aggregated upstream resources.
public enum ResourceNaming {
    /// The fixed start of every namespaced URI.
    public static let prefix = "agentbridge://upstream/"

    /// The URI (or URI template) a client sees for `uri` of upstream `server`.
    public static func exposedURI(server: String, uri: String) -> String {
        prefix + server + "/" + uri
    }

    /// The upstream server and its original URI, or nil when `exposed` is not a namespaced URI.
    public static func split(_ exposed: String) -> (server: String, uri: String)? {
        guard exposed.hasPrefix(prefix) else { return nil }
        let rest = exposed.dropFirst(prefix.count)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let server = String(rest[..<slash])
        let uri = String(rest[rest.index(after: slash)...])
        guard !server.isEmpty, !uri.isEmpty else { return nil }
        return (server, uri)
    }
}
