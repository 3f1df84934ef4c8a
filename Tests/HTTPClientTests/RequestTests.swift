import Testing
@testable import HTTPClient

@Suite("URLs, request encoding and header validation (no sockets)")
struct RequestTests {
    @Test func urlsAreTakenApartIntoHostPortAndTarget() throws {
        let u = try ClientURL(parsing: "http://Example.COM:8080/mcp/a?x=1&y=%20#frag")
        #expect(u.scheme == .http && u.host == "example.com" && u.port == 8080 && u.target == "/mcp/a?x=1&y=%20")
        #expect(u.hostField == "example.com:8080")
        let d = try ClientURL(parsing: "https://api.example.com")
        #expect(d.port == 443 && d.target == "/" && d.hostField == "api.example.com")
        let q = try ClientURL(parsing: "http://h?only=query")
        #expect(q.target == "/?only=query" && q.port == 80 && q.hostField == "h")
    }

    @Test func ipv6LiteralsKeepTheirBracketsOnlyInTheHostField() throws {
        let u = try ClientURL(parsing: "http://[::1]:9000/x")
        #expect(u.host == "::1" && u.port == 9000 && u.hostField == "[::1]:9000")
        let zoned = try ClientURL(parsing: "http://[fe80::1%25eth0]/")
        #expect(zoned.host == "fe80::1%eth0" && zoned.hostField == "[fe80::1]")
    }

    @Test func spacesAndNonASCIIArePercentEncodedAndControlsRefused() throws {
        let u = try ClientURL(parsing: "http://h/a b/é?q=\"x\"")
        #expect(u.target == "/a%20b/%C3%A9?q=%22x%22")
        #expect(throws: HTTPClientError.invalidURL("control character in path or query")) {
            try ClientURL(parsing: "http://h/a\r\nX-Injected: 1")
        }
    }

    @Test func badURLsAreRefusedWithoutRepeatingThem() {
        #expect(throws: HTTPClientError.invalidURL("user information (user:password@) is not supported")) {
            try ClientURL(parsing: "http://user:secret@h/")
        }
        #expect(throws: HTTPClientError.unsupportedScheme("ftp")) { try ClientURL(parsing: "ftp://h/") }
        #expect(throws: HTTPClientError.invalidURL("missing scheme")) { try ClientURL(parsing: "h/path") }
        #expect(throws: HTTPClientError.invalidURL("invalid port")) { try ClientURL(parsing: "http://h:70000/") }
        #expect(throws: HTTPClientError.invalidURL("invalid port")) { try ClientURL(parsing: "http://h:8x/") }
        #expect(throws: HTTPClientError.invalidURL("missing host")) { try ClientURL(parsing: "http:///x") }
        #expect(throws: HTTPClientError.invalidURL("invalid character in host")) { try ClientURL(parsing: "http://h%0a/") }
        #expect(throws: HTTPClientError.invalidURL("invalid IPv6 literal")) { try ClientURL(parsing: "http://[zz]/") }
        let message = HTTPClientError.invalidURL("user information (user:password@) is not supported").description
        #expect(!message.contains("secret"))
    }

    @Test func theEncodedRequestHasHostCallerFieldsAndContentLength() throws {
        let u = try ClientURL(parsing: "http://127.0.0.1:8080/mcp?s=1")
        let bytes = RequestEncoder.encode(
            method: "POST", url: u, headers: [("Content-Type", "application/json"), ("X-A", "1")], body: Array("{}".utf8))
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == "POST /mcp?s=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\nX-A: 1\r\nContent-Length: 2\r\n\r\n{}")
        let emptyPost = RequestEncoder.encode(method: "POST", url: u, headers: [], body: [])
        #expect(String(decoding: emptyPost, as: UTF8.self).contains("Content-Length: 0\r\n"))
        let get = RequestEncoder.encode(method: "GET", url: u, headers: [], body: [])
        #expect(!String(decoding: get, as: UTF8.self).contains("Content-Length"))
    }

    @Test func headerInjectionIsRefusedNamingTheHeaderButNotItsValue() {
        #expect(throws: HTTPClientError.invalidHeaderValue(name: "X-Token")) {
            try RequestEncoder.validate(method: "GET", headers: [("X-Token", "secret\r\nX-Injected: 1")])
        }
        #expect(throws: HTTPClientError.invalidHeaderValue(name: "X-Lf")) {
            try RequestEncoder.validate(method: "GET", headers: [("X-Lf", "a\nb")])
        }
        #expect(throws: HTTPClientError.invalidHeaderValue(name: "X-Nul")) {
            try RequestEncoder.validate(method: "GET", headers: [("X-Nul", "a\0b")])
        }
        #expect(throws: HTTPClientError.invalidHeaderName("X Bad")) {
            try RequestEncoder.validate(method: "GET", headers: [("X Bad", "v")])
        }
        #expect(throws: HTTPClientError.invalidHeaderName("X-A\r\nX-B")) {
            try RequestEncoder.validate(method: "GET", headers: [("X-A\r\nX-B", "v")])
        }
        #expect(throws: HTTPClientError.invalidMethod) { try RequestEncoder.validate(method: "GET /x", headers: []) }
        #expect(!HTTPClientError.invalidHeaderValue(name: "X-Token").description.contains("secret"))
    }

    @Test(arguments: ["Host", "content-length", "Transfer-Encoding", "Connection", "Upgrade", "TE", "Trailer", "Keep-Alive"])
    func framingHeadersAreOwnedByTheClient(name: String) {
        #expect(throws: HTTPClientError.forbiddenHeader(name)) {
            try RequestEncoder.validate(method: "GET", headers: [(name, "x")])
        }
    }

    @Test func tabsAndObsTextAreAllowedInValues() throws {
        try RequestEncoder.validate(method: "PATCH", headers: [("X-A", "a\tb ünï")])
    }
}
