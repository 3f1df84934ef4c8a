import Foundation
import JSON
import CShim
#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/1.1 keep-alive connection to a server on 127.0.0.1, for the requests the
/// suite makes itself: handshakes, validation calls, `run_agent` runs and idle listen streams.
/// Throughput is wrk's job; this only has to be correct (Content-Length, chunked, SSE answers).
final class HTTPConnection {
    struct Reply {
        var status: Int
        /// Lowercased names.
        var headers: [String: String]
        var body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }

        /// The JSON-RPC answer in the body: the JSON itself, or the first SSE `data:` event with an id.
        var message: JSONValue? {
            if headers["content-type"]?.contains("text/event-stream") == true {
                for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("data:") {
                    if let value = try? JSONParser.parse(String(line.dropFirst(5))), value["id"] != nil { return value }
                }
                return nil
            }
            return try? JSONParser.parse(body)
        }
    }

    let fd: Int32
    let port: UInt16
    private var buffer: [UInt8] = []

    init(port: UInt16, timeoutSeconds: Int = 60) throws {
        self.port = port
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BenchmarkFailure("socket: \(String(cString: strerror(errno)))") }
        var address = HTTPConnection.loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw BenchmarkFailure("connect to 127.0.0.1:\(port): \(reason)")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// A port nobody listens on right now (bound to 0, read back, released).
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw BenchmarkFailure("cannot find a free port: \(String(cString: strerror(errno)))") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Whether something accepts connections on `port`.
    static func isListening(port: UInt16) -> Bool { (try? HTTPConnection(port: port, timeoutSeconds: 1)) != nil }

    /// Sends a POST with a JSON body and reads the whole answer.
    func post(_ path: String, headers: [(String, String)] = [], body: String) throws -> Reply {
        try send(path, headers: headers, body: body)
        let (status, fields) = try readHead()
        return Reply(status: status, headers: fields, body: try readBody(fields))
    }

    /// Sends a POST without reading the answer (for streams read with `readUntil`).
    func send(_ path: String, headers: [(String, String)] = [], body: String) throws {
        let bodyBytes = Array(body.utf8)
        var head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
            + "Accept: application/json, text/event-stream\r\nContent-Length: \(bodyBytes.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + bodyBytes
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw BenchmarkFailure("send: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// Reads the status line and headers.
    func readHead() throws -> (Int, [String: String]) {
        let end = try fill(until: { b in Self.find([0x0D, 0x0A, 0x0D, 0x0A], in: b) })
        let head = String(decoding: buffer[..<end], as: UTF8.self)
        buffer.removeFirst(end + 4)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw BenchmarkFailure("bad status line: \(lines.first ?? "")") }
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, fields)
    }

    /// Reads the body the headers announce: Content-Length, chunked, or up to EOF.
    func readBody(_ fields: [String: String]) throws -> [UInt8] {
        if let length = fields["content-length"].flatMap({ Int($0) }) {
            _ = try fill(until: { $0.count >= length ? length : nil })
            let body = Array(buffer[..<length])
            buffer.removeFirst(length)
            return body
        }
        if fields["transfer-encoding"]?.lowercased().contains("chunked") == true {
            var body: [UInt8] = []
            while true {
                let lineEnd = try fill(until: { Self.find([0x0D, 0x0A], in: $0) })
                let sizeText = String(decoding: buffer[..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { throw BenchmarkFailure("bad chunk size") }
                buffer.removeFirst(lineEnd + 2)
                _ = try fill(until: { $0.count >= size + 2 ? size : nil })
                body += buffer[..<size]
                buffer.removeFirst(size + 2)
                if size == 0 { return body }
            }
        }
        while (try? receive()) ?? 0 > 0 {}
        defer { buffer.removeAll() }
        return buffer
    }

    /// Reads (raw stream bytes) until `needle` has arrived; for long-lived SSE streams.
    func readUntil(_ needle: [UInt8]) throws {
        let end = try fill(until: { Self.find(needle, in: $0) })
        buffer.removeFirst(end + needle.count)
    }

    private func fill(until found: ([UInt8]) -> Int?) throws -> Int {
        while true {
            if let index = found(buffer) { return index }
            if try receive() == 0 { throw BenchmarkFailure("the server closed the connection") }
        }
    }

    private func receive() throws -> Int {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 {
                buffer += chunk[0..<count]
                return count
            }
            if errno == EINTR { continue }
            throw BenchmarkFailure(errno == EAGAIN ? "no answer within the timeout" : "recv: \(String(cString: strerror(errno)))")
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { n in
                cshim_memmem(hay.baseAddress, hay.count, n.baseAddress, n.count).map { hay.baseAddress!.distance(to: UnsafeRawPointer($0)) }
            }
        }
    }
}
