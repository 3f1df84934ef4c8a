import Foundation
import HTTPClient
import HTTPServer
import Synchronization
import Testing

/// Starts our HTTPServer on 127.0.0.1:0 (or `address`), runs `body` with its base URL, and
/// always shuts it down.
func withHTTPServer(
    address: String = "127.0.0.1:0",
    _ adjust: (inout HTTPServer.Configuration) -> Void = { _ in },
    handler: @escaping HTTPHandler,
    _ body: (HTTPServer, String) async throws -> Void
) async throws {
    var c = HTTPServer.Configuration()
    c.addresses = [address]
    c.loopCount = 1
    c.accessLog = false
    adjust(&c)
    let server = HTTPServer(configuration: c, handler: handler)
    let bound = try server.start()[0]
    do {
        try await body(server, "http://\(bound)")
    } catch {
        await server.shutdown(gracePeriod: .milliseconds(100))
        throw error
    }
    await server.shutdown(gracePeriod: .milliseconds(100))
}

/// Runs `body` with a client and shuts the client down afterwards.
func withClient(
    _ adjust: (inout HTTPClient.Configuration) -> Void = { _ in },
    _ body: (HTTPClient) async throws -> Void
) async throws {
    var c = HTTPClient.Configuration()
    adjust(&c)
    let client = HTTPClient(configuration: c)
    do {
        try await body(client)
    } catch {
        await client.shutdown()
        throw error
    }
    await client.shutdown()
}

/// Fails the test instead of hanging it when `body` does not finish within `seconds` (a hang
/// guard only: generous, never a performance assertion).
func hangGuard<T: Sendable>(_ seconds: Int = 120, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw HangGuardExpired()
        }
        return value
    }
}

struct HangGuardExpired: Error {}

/// Polls `condition` every 10 ms until it holds (hang guard: `seconds`). For waiting on a side
/// effect in another process or thread (a server noticing a close), never for timing.
func eventually(_ seconds: Int = 60, _ condition: @Sendable () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw HangGuardExpired() }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// A thread-safe box for observations made inside handlers and scripts.
final class Probe<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ initial: Value) { value = Mutex(initial) }
    var current: Value { value.withLock { $0 } }
    func update<R: Sendable>(_ f: @Sendable (inout Value) -> R) -> R { value.withLock { f(&$0) } }
    func set(_ v: Value) { value.withLock { $0 = v } }
}

/// A gate a handler waits on until the test opens it.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiters.append(c)
                return false
            }
            if ready { c.resume() }
        }
    }

    /// Blocking variant for script threads (never call it from a Task).
    func waitBlocking() {
        let semaphore = DispatchSemaphore(value: 0)
        Task.detached {
            await self.wait()
            semaphore.signal()
        }
        semaphore.wait()
    }
}

extension HTTPClientResponse.Body {
    /// Reads the next chunk (test helper over the iterator).
    func firstChunk() async throws -> [UInt8]? {
        var it = makeAsyncIterator()
        return try await it.next()
    }
}

/// Asserts that `body` throws exactly `expected`.
func expectClientError(
    _ expected: HTTPClientError, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected \(expected), but nothing was thrown", sourceLocation: sourceLocation)
    } catch let e as HTTPClientError {
        #expect(e == expected, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
    }
}

/// Asserts that `body` throws `CancellationError`.
func expectCancellation(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected CancellationError, but nothing was thrown", sourceLocation: sourceLocation)
    } catch is CancellationError {
    } catch {
        Issue.record("expected CancellationError, got \(error)", sourceLocation: sourceLocation)
    }
}

