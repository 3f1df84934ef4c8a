import Foundation
import HTTPServer
import HTTPTestSupport
import JSON
import MCP
import MCPHTTP
import MCPServer
import ReferenceServer
import Synchronization

/// A live MCP HTTP endpoint on a loopback port for one test.
struct LiveEndpoint: Sendable {
    let http: HTTPServer
    let endpoint: MCPHTTPEndpoint
    let address: SocketAddress

    var hostHeader: String { "\(address.host):\(address.port)" }

    static func start(server: MCPServer = ReferenceServer.make(version: "test"),
                      _ adjust: @Sendable (inout MCPHTTPEndpoint.Configuration) -> Void = { _ in }) throws -> LiveEndpoint {
        var config = MCPHTTPEndpoint.Configuration()
        config.sseAfter = .seconds(30)
        adjust(&config)
        let endpoint = MCPHTTPEndpoint(server: server, configuration: config)
        let router = HTTPRouter()
        endpoint.install(on: router)
        var httpConfig = HTTPServer.Configuration()
        httpConfig.addresses = ["127.0.0.1:0"]
        httpConfig.loopCount = 1
        httpConfig.accessLog = false
        // These tests are not about the header deadline (HTTPServerTests are): a starved full
        // test run can pause a client between connecting and sending for longer than 10 s.
        httpConfig.headerTimeout = .seconds(120)
        let http = HTTPServer(configuration: httpConfig, handler: router.handler)
        let addresses = try http.start()
        return LiveEndpoint(http: http, endpoint: endpoint, address: addresses[0])
    }

    func stop() async {
        endpoint.close()
        await http.shutdown(gracePeriod: .milliseconds(200))
    }

    static let modernMeta: JSONValue = [
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": [:],
    ]

    /// A raw POST; `headers` are added after Host, Content-Type, Accept and Content-Length.
    func post(_ body: String, headers: [(String, String)], accept: String = "application/json, text/event-stream",
              contentType: String = "application/json", path: String = "/mcp") async throws -> (RawClient, RawResponse) {
        let client = try await RawClient.connect(address)
        var head = "POST \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nContent-Type: \(contentType)\r\nAccept: \(accept)\r\nContent-Length: \(body.utf8.count)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        try await client.send(head + "\r\n" + body)
        return (client, try await client.readResponse())
    }

    /// A 2026 request with correct routing headers (overridable).
    func modern(_ id: JSONValue, _ method: String, _ params: JSONObject = [:], name: String? = nil,
                extraMeta: JSONObject = [:], headers override: [(String, String)]? = nil) async throws -> RawResponse {
        var p = params
        var meta = Self.modernMeta.objectValue!
        for (k, v) in extraMeta { meta[k] = v }
        p["_meta"] = .object(meta)
        let body: JSONValue = ["jsonrpc": "2.0", "id": id, "method": .string(method), "params": .object(p)]
        var headers: [(String, String)] = [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", method)]
        if let name { headers.append(("Mcp-Name", name)) }
        return try await post(JSONWriter.string(body), headers: override ?? headers).1
    }

    /// Opens a request whose response is an SSE stream and returns the reader positioned after
    /// the response head.
    func openStream(method: String = "POST", body: String?, headers: [(String, String)], path: String = "/mcp") async throws -> SSEReader {
        let client = try await RawClient.connect(address)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nAccept: application/json, text/event-stream\r\n"
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        try await client.send(head + "\r\n" + (body ?? ""))
        let reader = SSEReader(client: client)
        try await reader.readHead()
        return reader
    }
}

/// Reads a chunked `text/event-stream` response event by event.
final class SSEReader: @unchecked Sendable {
    // SAFETY: one test drives one reader, one call at a time.
    let client: RawClient
    private var raw: [UInt8] = []
    private var decoded: [UInt8] = []
    private(set) var status = 0
    private(set) var headers: [String: String] = [:]

    init(client: RawClient) { self.client = client }

    private func more(_ timeout: Duration) async throws {
        let bytes = try await client.readSome(timeout: timeout)
        if bytes.isEmpty { throw ClientError.closed }
        raw += bytes
    }

    func readHead(timeout: Duration = .seconds(10)) async throws {
        while true {
            if let end = find([13, 10, 13, 10], in: raw) {
                let text = String(decoding: raw[..<end], as: UTF8.self)
                raw.removeFirst(end + 4)
                let lines = text.components(separatedBy: "\r\n")
                status = Int(lines[0].split(separator: " ")[1]) ?? 0
                for l in lines.dropFirst() {
                    if let c = l.firstIndex(of: ":") {
                        headers[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: .whitespaces)
                    }
                }
                return
            }
            try await more(timeout)
        }
    }

    /// De-chunks whatever complete chunks are buffered.
    private func dechunk() {
        while let lineEnd = find([13, 10], in: raw) {
            let sizeText = String(decoding: raw[..<lineEnd], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText, radix: 16) else { return }
            guard raw.count >= lineEnd + 2 + size + 2 else { return }
            decoded += raw[(lineEnd + 2)..<(lineEnd + 2 + size)]
            raw.removeFirst(lineEnd + 2 + size + 2)
            if size == 0 { return }
        }
    }

    /// The next event (`id`, `event`, `data`), skipping comments; nil at end of stream.
    func next(timeout: Duration = .seconds(10)) async throws -> (id: String?, event: String?, data: String)? {
        while true {
            dechunk()
            if let end = find([10, 10], in: decoded) {
                let block = String(decoding: decoded[..<end], as: UTF8.self)
                decoded.removeFirst(end + 2)
                var id: String?, event: String?, data: [String] = []
                var isComment = true
                for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix(":") { continue }
                    isComment = false
                    if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                    else if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                    else if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
                    else if line.hasPrefix("data:") { data.append(String(line.dropFirst(5))) }
                }
                if isComment { continue }
                return (id, event, data.joined(separator: "\n"))
            }
            do { try await more(timeout) } catch ClientError.closed { return nil }
        }
    }

    /// The next event's data as JSON.
    func nextJSON(timeout: Duration = .seconds(10)) async throws -> JSONValue? {
        while let e = try await next(timeout: timeout) {
            if e.data.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            return try JSONParser.parse(e.data)
        }
        return nil
    }

    func close() { client.shutdownBoth() }
}

func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
    guard hay.count >= needle.count else { return nil }
    for i in 0...(hay.count - needle.count) where hay[i] == needle[0] {
        if Array(hay[i..<(i + needle.count)]) == needle { return i }
    }
    return nil
}

extension RawResponse {
    var json: JSONValue? { try? JSONParser.parse(body) }
    var errorCode: Int64? { json?["error"]?["code"]?.intValue }
}

