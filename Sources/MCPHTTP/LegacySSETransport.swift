import Hashing
import HTTPServer
import JSON
import JSONRPC
import MCPServer
import Synchronization

/// The 2024-11-05 HTTP+SSE transport, still used by old clients: `GET /sse` opens a stream whose
/// first event announces where to POST (`/messages?session_id=…`); every POST is answered 202 and
/// every server message — responses included — travels on the stream. The stream is the
/// connection: when it closes, the session ends.
///
/// The session is a `ServerConnection` whose output is the stream, so era handling, the
/// handshake and server→client requests are exactly those of stdio.
final class SSESession: Sendable {
    let id: String
    let principal: String
    let connection: ServerConnection
    let channel: FrameChannel

    init(server: MCPServer, principal: String, capacity: Int, limits: JSONParser.Limits) {
        id = Hex.encode(SecureRandom.bytes(16))
        self.principal = principal
        let channel = FrameChannel(capacity: capacity)
        self.channel = channel
        connection = ServerConnection(server: server, principal: principal, limits: limits) { bytes in
            var frame: [UInt8] = Array("event: message\ndata: ".utf8)
            frame.append(contentsOf: bytes)
            frame.append(contentsOf: "\n\n".utf8)
            channel.send(frame)
        }
    }
}

final class SSESessionStore: Sendable {
    private let sessions = Mutex<[String: SSESession]>([:])

    func add(_ s: SSESession) { sessions.withLock { $0[s.id] = s } }
    func get(_ id: String) -> SSESession? { sessions.withLock { $0[id] } }
    var count: Int { sessions.withLock { $0.count } }

    func remove(_ id: String) {
        if let s = sessions.withLock({ $0.removeValue(forKey: id) }) {
            s.connection.peer.close()
            s.channel.close()
        }
    }

    func closeAll() {
        for s in sessions.withLock({ d -> [SSESession] in
            defer { d.removeAll() }
            return Array(d.values)
        }) {
            s.connection.peer.close()
            s.channel.close()
        }
    }
}

extension MCPHTTPEndpoint {
    func openLegacySSE(_ http: HTTPRequest, principal: String) -> HTTPResponse {
        guard sessionCount < configuration.maxSessions else {
            return Self.plain(503, "Service Unavailable: too many sessions")
        }
        let session = SSESession(server: server, principal: principal, capacity: configuration.streamCapacity, limits: configuration.jsonLimits)
        sseSessions.add(session)
        session.channel.send(SSEFrame.event("endpoint", data: "\(configuration.legacyMessagesPath)?session_id=\(session.id)"))
        let store = sseSessions
        return HTTPResponse.stream(status: 200, headers: Self.sseHeaders) { [self] writer in
            await pump(session.channel, writer) { store.remove(session.id) }
            store.remove(session.id)
        }
    }

    func legacySSEMessage(_ http: HTTPRequest, principal: String) -> HTTPResponse {
        guard let id = http.queryItem("session_id") else {
            return Self.plain(400, "Bad Request: session_id is required")
        }
        guard let session = sseSessions.get(id), ConstantTime.equals(Array(session.principal.utf8), Array(principal.utf8)) else {
            return Self.plain(404, "Could not find session")
        }
        guard HTTPSyntax.isMediaType(http.headers["content-type"], "application/json") else {
            return Self.plain(415, "Unsupported Media Type: Content-Type must be application/json")
        }
        // Malformed input is answered on the stream, like any other message of this transport.
        http.body.withUnsafeBufferPointer { session.connection.receive(bytes: $0) }
        return Self.plain(202, "Accepted")
    }
}
