import Synchronization

/// Routes requests by method and path to handlers; answers 404 and 405 (with `Allow`) itself.
///
/// Why this small: the MCP layer needs a handful of endpoints (`/mcp`, `/mcp/agents/{id}`,
/// health, metrics), not a framework. Patterns are exact paths whose segments may be `{name}`
/// captures (one non-empty segment each, percent-decoded into `HTTPRequest.pathParameters`).
/// Prefix routes (`prefix("/static", …)`) match the prefix itself and anything below it at a
/// segment boundary.
///
/// Resolution: pattern routes first, the one with the most literal segments winning (then the
/// earliest added); then the longest matching prefix. A path that matches but not for this
/// method gets `405` with `Allow` listing the methods it does accept; HEAD is served by a GET
/// route when no HEAD route exists (the server drops the body). Nothing matching: `404`.
/// Routes may be added at any time (a `Mutex` guards the table); requests see a consistent snapshot.
public final class HTTPRouter: Sendable {
    private struct Route: Sendable {
        enum Segment: Sendable, Equatable {
            case literal(String)
            case capture(String)
        }
        let methods: Set<String>?  // nil = any method
        let segments: [Segment]
        let prefix: String?
        let handler: HTTPHandler
        let order: Int

        var literalCount: Int {
            segments.reduce(0) { n, s in if case .literal = s { return n + 1 } else { return n } }
        }
    }

    private let routes = Mutex<[Route]>([])

    public init() {}

    public func add(_ method: String, _ path: String, _ handler: @escaping HTTPHandler) {
        add([method], path, handler)
    }

    public func add(_ methods: [String], _ path: String, _ handler: @escaping HTTPHandler) {
        let segments = Self.split(path).map { part -> Route.Segment in
            if part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2 {
                return .capture(String(part.dropFirst().dropLast()))
            }
            return .literal(String(part))
        }
        routes.withLock { r in
            r.append(Route(methods: Set(methods), segments: segments, prefix: nil, handler: handler, order: r.count))
        }
    }

    /// Every request whose path is `pathPrefix` or lies below it, for the given methods (nil = any).
    public func prefix(_ pathPrefix: String, methods: [String]? = nil, _ handler: @escaping HTTPHandler) {
        var p = pathPrefix
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        let stored = p
        routes.withLock { r in
            r.append(Route(methods: methods.map(Set.init), segments: [], prefix: stored, handler: handler, order: r.count))
        }
    }

    /// The router as a server handler.
    public var handler: HTTPHandler {
        { [self] request in await self.route(request) }
    }

    public func route(_ request: HTTPRequest) async -> HTTPResponse {
        let table = routes.withLock { $0 }
        let parts = Self.split(request.path)

        var matched: [(Route, [String: String])] = []
        for route in table where route.prefix == nil {
            if let captures = Self.match(route.segments, parts) { matched.append((route, captures)) }
        }
        matched.sort { a, b in
            a.0.literalCount != b.0.literalCount ? a.0.literalCount > b.0.literalCount : a.0.order < b.0.order
        }
        if matched.isEmpty {
            let prefixes = table.filter { r in r.prefix.map { Self.isUnder(request.path, $0) } ?? false }
                .sorted { a, b in a.prefix!.count != b.prefix!.count ? a.prefix!.count > b.prefix!.count : a.order < b.order }
            matched = prefixes.map { ($0, [:]) }
        }
        guard !matched.isEmpty else {
            return .text(404, "Not Found\n")
        }
        let candidates = [request.method] + (request.method == "HEAD" ? ["GET"] : [])
        for method in candidates {
            if let (route, captures) = matched.first(where: { $0.0.methods?.contains(method) ?? true }) {
                var r = request
                r.pathParameters = captures
                return await route.handler(r)
            }
        }
        var allowed = Set<String>()
        for (route, _) in matched { allowed.formUnion(route.methods ?? []) }
        if allowed.contains("GET") { allowed.insert("HEAD") }
        var headers = HTTPHeaders()
        headers.add("Allow", allowed.sorted().joined(separator: ", "))
        return .text(405, "Method Not Allowed\n", headers: headers)
    }

    private static func split(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { $0 }
    }

    private static func match(_ pattern: [Route.Segment], _ parts: [Substring]) -> [String: String]? {
        guard pattern.count == parts.count else { return nil }
        var captures: [String: String] = [:]
        for (segment, part) in zip(pattern, parts) {
            switch segment {
            case .literal(let l):
                guard part == l else { return nil }
            case .capture(let name):
                guard !part.isEmpty else { return nil }
                captures[name] = PercentDecoding.decode(part, plusIsSpace: false)
            }
        }
        return captures
    }

    private static func isUnder(_ path: String, _ prefix: String) -> Bool {
        if prefix == "/" { return true }
        guard path.hasPrefix(prefix) else { return false }
        let rest = path.dropFirst(prefix.count)
        return rest.isEmpty || rest.hasPrefix("/")
    }
}
