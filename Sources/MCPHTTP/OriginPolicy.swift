import HTTPServer

/// DNS-rebinding protection: which `Host` and `Origin` values may reach the MCP endpoint.
///
/// A web page on another site can make a browser send requests to a server on localhost; checking
/// `Host` (421) and `Origin` (403) stops that. A request without `Origin` (not from a browser) is
/// allowed. For loopback binds the allow-lists default to the loopback names on the bound port.
public struct OriginPolicy: Sendable {
    /// Allowed `Host` header values (lowercased, with port); nil allows any.
    public var allowedHosts: Set<String>?
    /// Allowed `Origin` header values (lowercased); nil allows any.
    public var allowedOrigins: Set<String>?

    public init(allowedHosts: Set<String>? = nil, allowedOrigins: Set<String>? = nil) {
        self.allowedHosts = allowedHosts.map { Set($0.map { $0.lowercased() }) }
        self.allowedOrigins = allowedOrigins.map { Set($0.map { $0.lowercased() }) }
    }

    /// No checks (a server behind a proxy that already enforces them).
    public static let open = OriginPolicy()

    /// The loopback names on `port`, plus any extra origins.
    public static func loopback(port: Int, extraOrigins: [String] = []) -> OriginPolicy {
        let hosts = ["127.0.0.1", "localhost", "[::1]"]
        return OriginPolicy(
            allowedHosts: Set(hosts.flatMap { ["\($0):\(port)", $0] }),
            allowedOrigins: Set(hosts.flatMap { ["http://\($0):\(port)", "https://\($0):\(port)"] } + extraOrigins))
    }

    public enum Verdict: Sendable { case allowed, badHost, badOrigin }

    public func check(_ request: HTTPRequest) -> Verdict {
        if let allowedHosts {
            guard let host = request.headers["host"]?.lowercased(), allowedHosts.contains(host) else { return .badHost }
        }
        if let allowedOrigins, let origin = request.headers["origin"]?.lowercased() {
            guard allowedOrigins.contains(origin) else { return .badOrigin }
        }
        return .allowed
    }
}
