import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import HTTPServer

/// Shared by the HTTP test targets: a raw-socket HTTP/1.1 client for byte-exact tests.

/// Runs blocking socket work on a fresh OS thread.
///
/// Why: the server's handlers run on Swift's cooperative pool (two threads here). A test that
/// blocked a pool thread in recv(2) while waiting for a handler could starve that handler.
public func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
        let thread = Thread { c.resume(with: Result { try body() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

public enum ClientError: Error, Equatable {
    case connectFailed(Int32)
    case timeout
    case closed
    case reset
    case malformed(String)
}

/// One parsed response as the raw client saw it.
public struct RawResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// How a connection ended from the client's side.
public enum CloseKind: Sendable, Equatable {
    case eof, reset, stillOpen
}

/// A tiny blocking HTTP/1.1 client over a raw socket, for byte-exact tests.
///
/// SAFETY (`@unchecked Sendable`): one test drives one client, one operation at a time (each
/// method awaits its offloaded work before returning), so `buffer` is never touched concurrently.
public final class RawClient: @unchecked Sendable {
    public let fd: Int32
    private var buffer: [UInt8] = []

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit { Glibc.close(fd) }

    public static func connect(_ address: SocketAddress, receiveBuffer: Int? = nil) async throws -> RawClient {
        let fd = try await offload { () throws -> Int32 in try openSocket(address, receiveBuffer: receiveBuffer) }
        return RawClient(fd: fd)
    }

    /// Connects on the calling thread (for tests that must not wait for the cooperative pool
    /// between connecting and their first byte).
    public static func connectBlocking(_ address: SocketAddress) throws -> RawClient {
        RawClient(fd: try openSocket(address, receiveBuffer: nil))
    }

    public static func openSocket(_ address: SocketAddress, receiveBuffer: Int?) throws -> Int32 {
        let v6 = address.host.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ClientError.connectFailed(errno) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if var size = receiveBuffer.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let rc: Int32
        if v6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = in_port_t(UInt16(address.port).bigEndian)
            inet_pton(AF_INET6, address.host, &sa.sin6_addr)
            rc = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = in_port_t(UInt16(address.port).bigEndian)
            inet_pton(AF_INET, address.host, &sa.sin_addr)
            rc = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        if rc != 0 {
            let e = errno
            Glibc.close(fd)
            throw ClientError.connectFailed(e)
        }
        return fd
    }

    public func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) async throws {
        try await offload { [self] in try self.sendBlocking(bytes) }
    }

    /// Sends on the calling thread (only from an `offload`ed thread, never from a Task).
    public func sendBlocking(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw errno == ECONNRESET || errno == EPIPE ? ClientError.reset : ClientError.closed
            }
            off += n
        }
    }

    public func shutdownWrite() {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Sends FIN in both directions (like close(2) without unread data).
    public func shutdownBoth() {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Closes with RST (SO_LINGER 0), the most abrupt disconnect.
    public func reset() {
        var l = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Reads one response. `forHead` = the request was HEAD (no body whatever the headers say).
    public func readResponse(forHead: Bool = false, timeout: Duration = .seconds(60)) async throws -> RawResponse {
        try await offload { [self] in try self.readResponseBlocking(forHead: forHead, timeout: timeout) }
    }

    /// Reads until the server closes; returns the bytes and how it closed.
    public func readToClose(timeout: Duration = .seconds(10)) async throws -> ([UInt8], CloseKind) {
        try await offload { [self] in try self.readToCloseBlocking(timeout: timeout) }
    }

    /// `readToClose` on the calling thread (only from an `offload`ed thread).
    public func readToCloseBlocking(timeout: Duration) throws -> ([UInt8], CloseKind) {
        let deadline = ContinuousClock.now + timeout
        while true {
            switch try fill(until: deadline, allowTimeout: true) {
            case .data: continue
            case .eof: return (takeBuffer(), .eof)
            case .reset: return (takeBuffer(), .reset)
            case .timeout: return (takeBuffer(), .stillOpen)
            }
        }
    }

    /// Reads up to `count` bytes within `timeout` (fewer if the peer stops sending).
    public func read(atMost count: Int, timeout: Duration) async throws -> [UInt8] {
        try await offload { [self] in
            let deadline = ContinuousClock.now + timeout
            while self.buffer.count < count {
                if case .data = try self.fill(until: deadline, allowTimeout: true) { continue }
                break
            }
            let n = min(count, self.buffer.count)
            defer { self.buffer.removeFirst(n) }
            return Array(self.buffer[0..<n])
        }
    }

    /// Returns as soon as some bytes are available (already buffered or newly received); an
    /// empty array means the peer closed. Throws `ClientError.timeout` when nothing arrives.
    public func readSome(timeout: Duration) async throws -> [UInt8] {
        try await offload { [self] in
            if self.buffer.isEmpty {
                switch try self.fill(until: ContinuousClock.now + timeout, allowTimeout: true) {
                case .data: break
                case .eof, .reset: return []
                case .timeout: throw ClientError.timeout
                }
            }
            return self.takeBuffer()
        }
    }

    /// Whether the server closes this connection within `timeout` (unread data is discarded).
    public func closes(within timeout: Duration) async throws -> Bool {
        let (_, kind) = try await readToClose(timeout: timeout)
        return kind != .stillOpen
    }

    private func takeBuffer() -> [UInt8] {
        defer { buffer = [] }
        return buffer
    }

    private enum Fill { case data, eof, reset, timeout }

    private func fill(until deadline: ContinuousClock.Instant, allowTimeout: Bool = false) throws -> Fill {
        while true {
            let remaining = deadline - ContinuousClock.now
            // Past the deadline — possibly only because this thread was not scheduled for a
            // while on a loaded machine — what has already arrived still counts: one last look.
            let late = remaining <= .zero
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = late ? 0 : Int32(min(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1, 60_000))
            let r = poll(&p, 1, ms)
            if r < 0 && errno == EINTR { continue }
            if r <= 0 {
                guard late else { continue }
                if allowTimeout { return .timeout }
                throw ClientError.timeout
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer.append(contentsOf: chunk[0..<n])
                return .data
            }
            if n == 0 { return .eof }
            if errno == EINTR || errno == EAGAIN { continue }
            if errno == ECONNRESET { return .reset }
            throw ClientError.closed
        }
    }

    private func need(_ count: Int, _ deadline: ContinuousClock.Instant) throws {
        while buffer.count < count {
            switch try fill(until: deadline) {
            case .data: continue
            case .eof: throw ClientError.closed
            case .reset: throw ClientError.reset
            case .timeout: throw ClientError.timeout
            }
        }
    }

    private func lineEnd(from: Int, _ deadline: ContinuousClock.Instant) throws -> Int {
        var i = from
        while true {
            while i + 1 < buffer.count {
                if buffer[i] == 0x0D && buffer[i + 1] == 0x0A { return i }
                i += 1
            }
            try need(buffer.count + 1, deadline)
        }
    }

    public func readResponseBlocking(forHead: Bool, timeout: Duration) throws -> RawResponse {
        let deadline = ContinuousClock.now + timeout
        try need(1, deadline)
        // Head
        var headEnd = 0
        while true {
            if let r = findCRLFCRLF() {
                headEnd = r
                break
            }
            try need(buffer.count + 1, deadline)
        }
        let head = String(decoding: buffer[0..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw ClientError.malformed(statusLine)
        }
        let headers = lines.map { line -> (String, String) in
            let c = line.firstIndex(of: ":")!
            return (String(line[..<c]), line[line.index(after: c)...].trimmingCharacters(in: .whitespaces))
        }
        var response = RawResponse(status: status, headers: headers, body: [])
        if forHead || status < 200 || status == 204 || status == 304 { return response }
        if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            while true {
                let e = try lineEnd(from: 0, deadline)
                let sizeText = String(decoding: buffer[0..<e], as: UTF8.self).split(separator: ";")[0]
                guard let size = Int(sizeText, radix: 16) else { throw ClientError.malformed("chunk size \(sizeText)") }
                buffer.removeFirst(e + 2)
                if size == 0 {
                    while true {
                        let t = try lineEnd(from: 0, deadline)
                        buffer.removeFirst(t + 2)
                        if t == 0 { return response }
                    }
                }
                try need(size + 2, deadline)
                response.body.append(contentsOf: buffer[0..<size])
                buffer.removeFirst(size + 2)
            }
        } else if let cl = response.header("Content-Length").flatMap({ Int($0) }) {
            try need(cl, deadline)
            response.body = Array(buffer[0..<cl])
            buffer.removeFirst(cl)
        } else {
            while true {
                switch try fill(until: deadline) {
                case .data: continue
                case .eof, .reset:
                    response.body = takeBuffer()
                    return response
                case .timeout: throw ClientError.timeout
                }
            }
        }
        return response
    }

    private func findCRLFCRLF() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4)
        where buffer[i] == 0x0D && buffer[i + 1] == 0x0A && buffer[i + 2] == 0x0D && buffer[i + 3] == 0x0A {
            return i
        }
        return nil
    }
}

/// Polls `condition` until it holds or `timeout` passes (for states with no event to await).
/// The default is generous on purpose: with the whole suite running, Swift's two pool threads can
/// be busy for seconds; a condition that holds returns at once whatever the timeout.
public func eventually(timeout: Duration = .seconds(30), _ condition: @Sendable () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// A loopback port held bound but not listening for as long as this value lives: connecting to
/// it is refused, and no other test's port-0 bind can be given it meanwhile (a server started and
/// stopped to free a port leaves the port to whoever binds next — in a parallel suite, someone).
public final class RefusingPort: Sendable {
    public let port: Int
    private let fd: Int32

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        guard fd >= 0, bound == 0, port != 0 else { throw ClientError.connectFailed(errno) }
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    deinit { Glibc.close(fd) }
}
