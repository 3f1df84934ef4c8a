import Foundation
import HTTPServer
import Testing
import HTTPClient

@Suite("Timeouts on our sockets")
struct TimeoutTests {
    @Test func aServerThatNeverAnswersHitsTheResponseHeadTimeout() async throws {
        let closed = Probe(false)
        let server = try ScriptedServer { c, _ in
            guard try c.readRequest() != nil else { return }
            closed.set(c.waitForClose())
        }
        try await withClient { client in
            let request = HTTPClientRequest(url: "\(server.url)/", timeouts: .init(responseHead: .milliseconds(200)))
            await expectClientError(.responseHeadTimeout) { _ = try await hangGuard { try await client.send(request) } }
            try await eventually { closed.current }  // the timed-out connection was closed, not pooled
        }
    }

    @Test func aSlowHeadTrickledByteByByteStillTimesOut() async throws {
        let server = try ScriptedServer { c, _ in
            guard try c.readRequest() != nil else { return }
            for b in Array("HTTP/1.1 200 OK\r\nX-Slow: ".utf8) + Array(repeating: UInt8(0x61), count: 200) {
                c.send([b])
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        try await withClient { client in
            let request = HTTPClientRequest(url: "\(server.url)/", timeouts: .init(responseHead: .milliseconds(300)))
            await expectClientError(.responseHeadTimeout) { _ = try await hangGuard { try await client.send(request) } }
        }
    }

    @Test func aBodyThatStopsArrivingHitsTheIdleTimeout() async throws {
        let server = try ScriptedServer { c, _ in
            guard try c.readRequest() != nil else { return }
            c.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nten bytes.")
            _ = c.waitForClose()
        }
        try await withClient { client in
            let request = HTTPClientRequest(url: "\(server.url)/", timeouts: .init(idle: .milliseconds(200)))
            let r = try await client.execute(request)
            let got = Probe<[UInt8]>([])
            await expectClientError(.idleTimeout) {
                try await hangGuard {
                    for try await chunk in r.body { got.update { $0 += chunk } }
                }
            }
            #expect(String(decoding: got.current, as: UTF8.self) == "ten bytes.")
        }
    }

    @Test func aStreamThatKeepsSendingHitsTheOverallDeadline() async throws {
        try await withHTTPServer(handler: streamingHandler(gate: Gate(), gone: Gate())) { _, base in
            try await withClient { client in
                // Long enough that a loaded CI machine still delivers some chunks first (300 ms
                // was not, nor 2 s beside a running fuzzer); the stream itself never ends.
                let request = HTTPClientRequest(url: "\(base)/forever", timeouts: .init(idle: nil, overall: .milliseconds(4000)))
                let received = Probe(0)
                await expectClientError(.deadlineExceeded) {
                    try await hangGuard {
                        let r = try await client.execute(request)
                        for try await _ in r.body { received.update { $0 += 1 } }
                    }
                }
                #expect(received.current > 0)
            }
        }
    }

    @Test func theOverallDeadlineCoversWaitingForAPooledConnection() async throws {
        let release = Gate()
        let handler: HTTPHandler = { _ in
            await release.wait()
            return .text(200, "late")
        }
        try await withHTTPServer(handler: handler) { _, base in
            try await withClient({ $0.maxConnectionsPerOrigin = 1 }) { client in
                let holder = Task { try await client.send(HTTPClientRequest(url: "\(base)/hold")) }
                let waiting = HTTPClientRequest(url: "\(base)/wait", timeouts: .init(overall: .milliseconds(200)))
                await expectClientError(.deadlineExceeded) { _ = try await hangGuard { try await client.send(waiting) } }
                release.open()
                let late = try await holder.value
                #expect(late.text == "late")
            }
        }
    }

    @Test func aConnectThatNeverCompletesHitsTheConnectTimeout() async throws {
        // A listener with a zero backlog that never accepts, its queue filled: the kernel drops
        // further SYNs, so a connect stays pending until our connect timeout.
        let listener = try FullListener()
        defer { listener.close() }
        try await withClient { client in
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(listener.port)/", timeouts: .init(connect: .milliseconds(200)))
            await expectClientError(.connectTimeout) { _ = try await hangGuard { try await client.send(request) } }
        }
    }
}

/// A loopback listener with backlog 0 that never accepts, plus two connections that fill its
/// accept queue.
final class FullListener: Sendable {
    let port: Int
    private let fds: [Int32]

    init() throws {
        let l = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                bind(l, p, len) == 0 && listen(l, 0) == 0 && getsockname(l, p, &len) == 0
            }
        }
        guard ok else { throw ScriptError.system("listen", errno) }
        var all = [l]
        for _ in 0..<2 {
            let c = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            _ = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(c, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            all.append(c)
        }
        fds = all
        port = Int(UInt16(bigEndian: sa.sin_port))
    }

    func close() {
        for fd in fds { Glibc.close(fd) }
    }
}
