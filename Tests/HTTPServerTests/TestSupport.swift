import Foundation
import Synchronization
import Testing
@testable import HTTPServer
import HTTPTestSupport

/// A configuration for tests: two loops (so connection hand-over is exercised), no access log.
func testConfiguration(_ adjust: (inout HTTPServer.Configuration) -> Void = { _ in }) -> HTTPServer.Configuration {
    var c = HTTPServer.Configuration()
    c.addresses = ["127.0.0.1:0"]
    c.loopCount = 2
    c.accessLog = false
    // A test that is not about a deadline must not be failed by one: a thousand tests share two
    // cores, and a client task can wait its turn for seconds (a 10 s header deadline once cut a
    // byte-split request in two here). Tests of the deadlines set their own.
    c.headerTimeout = .seconds(120)
    c.bodyTimeout = .seconds(120)
    c.idleTimeout = .seconds(300)
    c.writeStallTimeout = .seconds(120)
    adjust(&c)
    return c
}

/// Starts a server, runs `body` against its first address, and always shuts it down.
func withServer(
    _ adjust: (inout HTTPServer.Configuration) -> Void = { _ in },
    handler: @escaping HTTPHandler,
    _ body: (HTTPServer, SocketAddress) async throws -> Void
) async throws {
    let server = HTTPServer(configuration: testConfiguration(adjust), handler: handler)
    let addresses = try server.start()
    do {
        try await body(server, addresses[0])
    } catch {
        await server.shutdown(gracePeriod: .milliseconds(100))
        throw error
    }
    await server.shutdown(gracePeriod: .milliseconds(100))
}

/// Echoes method, path, query and body; `/sleep?ms=N` waits first.
let echoHandler: HTTPHandler = { request in
    if let ms = request.queryItem("ms").flatMap(Int.init) {
        try? await Task.sleep(for: .milliseconds(ms))
    }
    var headers = HTTPHeaders()
    headers.add("X-Method", request.method)
    headers.add("X-Path", request.path)
    if let q = request.query { headers.add("X-Query", q) }
    headers.add("X-Version", request.version)
    return HTTPResponse(status: 200, headers: headers, body: request.body)
}


/// A thread-safe box for observations made inside handlers.
final class Probe<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ initial: Value) { value = Mutex(initial) }
    var current: Value { value.withLock { $0 } }
    func update(_ f: @Sendable (inout Value) -> Void) { value.withLock { f(&$0) } }
    func set(_ v: Value) { value.withLock { $0 = v } }
}

/// A gate a handler waits on until the test opens it.
final class Gate: Sendable {
    private let signal = OneShot()
    func open() { signal.fire() }
    func wait() async { await signal.wait() }
}

extension HTTPHeaders {
    func has(_ name: String, _ value: String) -> Bool { self[name] == value }
}
