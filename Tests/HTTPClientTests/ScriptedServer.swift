import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A raw TCP server whose every connection runs a test-written script on its own OS thread.
///
/// Why: our `HTTPServer` only produces well-formed responses; the client also has to meet
/// servers that stall, close idle connections, send trailers, 1xx heads, close-delimited or
/// malformed responses. Scripts use blocking sockets (with a receive timeout as a hang guard)
/// on dedicated threads, so they never occupy Swift's cooperative pool.
final class ScriptedServer: Sendable {
    let port: Int
    private let listenFD: Int32
    private let acceptedCount = Mutex(0)
    private let requestLog = Mutex<[ScriptedRequest]>([])

    /// `script(connection, index)` runs once per accepted connection (index from 0); the
    /// connection is closed when it returns.
    init(script: @escaping @Sendable (ScriptedConnection, Int) throws -> Void) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ScriptError.system("socket", errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr)
        let bound = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            Glibc.close(fd)
            throw ScriptError.system("bind/listen", errno)
        }
        var out = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &out) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        listenFD = fd
        port = Int(UInt16(bigEndian: out.sin_port))
        let thread = Thread { [self] in acceptLoop(script) }
        thread.stackSize = 512 * 1024
        thread.start()
    }

    /// Connections accepted so far.
    var accepted: Int { acceptedCount.withLock { $0 } }
    /// Every request any script read with `readRequest`, in order.
    var requests: [ScriptedRequest] { requestLog.withLock { $0 } }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Stops accepting (running scripts finish on their own).
    func stop() {
        _ = Glibc.shutdown(listenFD, Int32(SHUT_RDWR))
    }

    deinit {
        _ = Glibc.shutdown(listenFD, Int32(SHUT_RDWR))
        Glibc.close(listenFD)
    }

    fileprivate func log(_ r: ScriptedRequest) {
        requestLog.withLock { $0.append(r) }
    }

    private func acceptLoop(_ script: @escaping @Sendable (ScriptedConnection, Int) throws -> Void) {
        while true {
            let cfd = accept(listenFD, nil, nil)
            if cfd < 0 {
                if errno == EINTR { continue }
                return
            }
            var tv = timeval(tv_sec: 60, tv_usec: 0)  // hang guard for every blocking read (a starved test run can pause for 10 s)
            setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            let index = acceptedCount.withLock { n -> Int in
                defer { n += 1 }
                return n
            }
            let connection = ScriptedConnection(fd: cfd, server: self)
            let t = Thread {
                try? script(connection, index)
                connection.close()
            }
            t.stackSize = 512 * 1024
            t.start()
        }
    }
}

enum ScriptError: Error {
    case system(String, Int32)
    case timeout
}

struct ScriptedRequest: Sendable {
    var head: String
    var body: [UInt8]

    var requestLine: String { head.components(separatedBy: "\r\n").first ?? "" }
    func header(_ name: String) -> String? {
        for line in head.split(separator: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}

/// One accepted connection as a script sees it.
///
/// SAFETY (`@unchecked Sendable`): used only by the one thread running its script (and closed
/// by that thread afterwards).
final class ScriptedConnection: @unchecked Sendable {
    let fd: Int32
    private unowned let server: ScriptedServer
    private var buffer: [UInt8] = []
    private var closed = false

    fileprivate init(fd: Int32, server: ScriptedServer) {
        self.fd = fd
        self.server = server
    }

    /// Reads one request head and its Content-Length body; nil when the client closed first.
    func readRequest() throws -> ScriptedRequest? {
        while true {
            if let end = find([0x0D, 0x0A, 0x0D, 0x0A]) {
                let head = String(decoding: buffer[0..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                var request = ScriptedRequest(head: head, body: [])
                let length = Int(request.header("Content-Length") ?? "0") ?? 0
                while buffer.count < length {
                    guard try fill() else { return nil }
                }
                request.body = Array(buffer[0..<length])
                buffer.removeFirst(length)
                server.log(request)
                return request
            }
            guard try fill() else { return nil }
        }
    }

    func send(_ text: String) {
        send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    /// Waits (up to the receive timeout) until the client closes; true when it did.
    func waitForClose() -> Bool {
        while true {
            do {
                guard try fill() else { return true }
            } catch {
                return false
            }
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    /// Reads more bytes; false on EOF or reset. Throws `timeout` when the receive timeout passes.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 {
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
        if n == 0 { return false }
        if errno == EAGAIN || errno == EWOULDBLOCK { throw ScriptError.timeout }
        return false
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        for i in 0...(buffer.count - needle.count) where buffer[i..<(i + needle.count)].elementsEqual(needle) {
            return i
        }
        return nil
    }
}
