/// One parsed HTTP request as a handler sees it: a value with its whole body already read.
///
/// Why whole bodies: MCP messages are small JSON documents capped by
/// `Configuration.maxBodyBytes`; streaming request bodies would complicate every handler for no
/// gain. `public init` lets layers above test their handlers without sockets.
public struct HTTPRequest: Sendable {
    /// The method exactly as sent (methods are case-sensitive: `GET`, not `get`).
    public let method: String
    /// The request-target exactly as sent (`/mcp?x=1`, or absolute-form `http://h/mcp`).
    public let target: String
    /// The path part of the target, not percent-decoded (`/mcp`; `*` for `OPTIONS *`).
    public let path: String
    /// The query after `?`, not decoded; nil when the target has no `?`.
    public let query: String?
    /// `HTTP/1.1` or `HTTP/1.0`.
    public let version: String
    public let headers: HTTPHeaders
    public let body: [UInt8]
    /// The peer as `a.b.c.d:port` or `[v6]:port`.
    public let remoteAddress: String
    /// Segments captured by `HTTPRouter` patterns such as `/mcp/agents/{id}`, percent-decoded.
    public internal(set) var pathParameters: [String: String]
    /// The executor the handler runs on when the server runs handlers on its event loops
    /// (`handlersOnLoops`), else nil. Work the handler starts as an unstructured Task (which
    /// does not inherit the preference) passes it to `Task(executorPreference:)` to stay there.
    public internal(set) var executor: (any TaskExecutor)?
    /// Who an outer handler already verified this request to come from (an API key's id), for
    /// the handler it passes the request to; nil until one does. Never read from the wire.
    public var authenticatedPrincipal: String?

    public init(
        method: String, target: String, version: String = "HTTP/1.1", headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [], remoteAddress: String = "", pathParameters: [String: String] = [:]
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.pathParameters = pathParameters
        self.executor = nil
        (path, query) = Self.split(target: target)
    }

    /// The first value of query parameter `name` (`+` and `%XX` decoded), or nil.
    public func queryItem(_ name: String) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if PercentDecoding.decode(parts[0], plusIsSpace: true) == name {
                return parts.count > 1 ? PercentDecoding.decode(parts[1], plusIsSpace: true) : ""
            }
        }
        return nil
    }

    /// A path parameter captured by the router, or nil.
    public func pathParameter(_ name: String) -> String? { pathParameters[name] }

    /// Splits origin-form or absolute-form targets into path and query.
    static func split(target: String) -> (path: String, query: String?) {
        var rest = Substring(target)
        if !rest.hasPrefix("/"), let scheme = rest.range(of: "://") {
            // absolute-form: drop scheme and authority
            let afterAuthority = rest[scheme.upperBound...]
            if let slash = afterAuthority.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                rest = afterAuthority[slash...]
            } else {
                rest = "/"
            }
            if rest.hasPrefix("?") { rest = "/" + rest }
        }
        if let q = rest.firstIndex(of: "?") {
            return (String(rest[..<q]), String(rest[rest.index(after: q)...]))
        }
        return (String(rest), nil)
    }
}
