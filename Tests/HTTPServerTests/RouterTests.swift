import Testing
@testable import HTTPServer
import HTTPTestSupport

@Suite("Router")
struct RouterTests {
    func makeRouter() -> HTTPRouter {
        let router = HTTPRouter()
        router.add("POST", "/mcp") { _ in .text(200, "mcp") }
        router.add(["GET", "DELETE"], "/mcp/agents/{id}") { r in .text(200, "agent \(r.pathParameter("id") ?? "?") \(r.method)") }
        router.add("GET", "/mcp/agents/special") { _ in .text(200, "special") }
        router.add("GET", "/a/{x}/b/{y}") { r in .text(200, "\(r.pathParameters["x"]!)-\(r.pathParameters["y"]!)") }
        router.prefix("/static") { r in .text(200, "static \(r.path)") }
        router.prefix("/static/deep", methods: ["GET"]) { _ in .text(200, "deep") }
        return router
    }

    func call(_ router: HTTPRouter, _ method: String, _ target: String) async -> HTTPResponse {
        await router.route(HTTPRequest(method: method, target: target))
    }

    func text(_ r: HTTPResponse) -> String {
        if case .bytes(let b) = r.body { return String(decoding: b, as: UTF8.self) }
        return "<stream>"
    }

    @Test func exactPathsAndCapturesRoute() async {
        let router = makeRouter()
        #expect(text(await call(router, "POST", "/mcp")) == "mcp")
        #expect(text(await call(router, "GET", "/mcp/agents/a%20b")) == "agent a b GET")
        #expect(text(await call(router, "DELETE", "/mcp/agents/7?x=1")) == "agent 7 DELETE")
        #expect(text(await call(router, "GET", "/a/1/b/2")) == "1-2")
    }

    @Test func literalSegmentsWinOverCaptures() async {
        #expect(text(await call(makeRouter(), "GET", "/mcp/agents/special")) == "special")
    }

    @Test func unknownPathsAre404() async {
        let router = makeRouter()
        #expect(await call(router, "GET", "/nope").status == 404)
        #expect(await call(router, "GET", "/mcp/agents/").status == 404)  // empty capture
        #expect(await call(router, "GET", "/mcp/agents/1/extra").status == 404)
        #expect(await call(router, "GET", "/staticx").status == 404)  // prefix needs a segment boundary
    }

    @Test func knownPathsWithTheWrongMethodAre405WithAllow() async {
        let router = makeRouter()
        let r = await call(router, "GET", "/mcp")
        #expect(r.status == 405)
        #expect(r.headers["Allow"] == "POST")
        let agents = await call(router, "PUT", "/mcp/agents/1")
        #expect(agents.status == 405)
        #expect(agents.headers["Allow"] == "DELETE, GET, HEAD")
    }

    @Test func headFallsBackToGet() async {
        #expect(text(await call(makeRouter(), "HEAD", "/mcp/agents/3")) == "agent 3 HEAD")
    }

    @Test func longestPrefixWins() async {
        let router = makeRouter()
        #expect(text(await call(router, "POST", "/static/x.css")) == "static /static/x.css")
        #expect(text(await call(router, "GET", "/static")) == "static /static")
        #expect(text(await call(router, "GET", "/static/deep/file")) == "deep")
        #expect(text(await call(router, "POST", "/static/deep/file")) == "static /static/deep/file")
    }

    @Test func theRouterServesOverSockets() async throws {
        try await withServer(handler: makeRouter().handler) { _, address in
            let c = try await RawClient.connect(address)
            try await c.send("GET /mcp HTTP/1.1\r\nHost: t\r\n\r\n")
            let r = try await c.readResponse()
            #expect(r.status == 405 && r.header("Allow") == "POST")
            try await c.send("POST /mcp HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
            #expect(try await c.readResponse().text == "mcp")
            try await c.send("HEAD /mcp/agents/9 HTTP/1.1\r\nHost: t\r\n\r\n")
            let h = try await c.readResponse(forHead: true)
            #expect(h.status == 200 && h.header("Content-Length") == "\("agent 9 HEAD".utf8.count)")
        }
    }
}
