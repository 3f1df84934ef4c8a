import Foundation
import HTTPClient
import HTTPServer
import JSON
import Models
import Synchronization

/// A local stand-in for a model provider, built on our own `HTTPServer`.
///
/// Each test hands it a responder that sees every request and its number (from 0), so a test
/// can answer the first attempt with a 429 and the second with a stream. Requests are recorded
/// for assertions on what the clients send; `disconnects` counts streams that noticed their
/// client going away.
final class FixtureServer: Sendable {
    typealias Responder = @Sendable (HTTPRequest, Int) async -> HTTPResponse

    let baseURL: String
    private let server: HTTPServer
    private let log = Mutex<[HTTPRequest]>([])

    private init(server: HTTPServer, baseURL: String) {
        self.server = server
        self.baseURL = baseURL
    }

    /// Starts a server on 127.0.0.1 with a free port.
    static func start(_ respond: @escaping Responder) throws -> FixtureServer {
        var configuration = HTTPServer.Configuration()
        configuration.addresses = ["127.0.0.1:0"]
        configuration.loopCount = 1
        configuration.accessLog = false
        let box = Mutex<FixtureServer?>(nil)
        let server = HTTPServer(configuration: configuration) { request in
            let fixture = box.withLock { $0 }!
            let index = fixture.log.withLock { log -> Int in
                log.append(request)
                return log.count - 1
            }
            return await respond(request, index)
        }
        let address = try server.start()[0]
        let fixture = FixtureServer(server: server, baseURL: "http://\(address)")
        box.withLock { $0 = fixture }
        return fixture
    }

    /// Every request received, in order.
    var requests: [HTTPRequest] { log.withLock { $0 } }

    func shutdown() async {
        await server.shutdown(gracePeriod: .milliseconds(100))
    }
}

/// Runs `body` with a started fixture and a fresh HTTP client, and always stops both.
func withFixture(
    _ respond: @escaping FixtureServer.Responder, _ body: (FixtureServer, HTTPClient) async throws -> Void
) async throws {
    let fixture = try FixtureServer.start(respond)
    let http = HTTPClient()
    do {
        try await body(fixture, http)
    } catch {
        await http.shutdown()
        await fixture.shutdown()
        throw error
    }
    await http.shutdown()
    await fixture.shutdown()
}

/// A `text/event-stream` response that writes `transcript` in `pieceSize`-byte pieces, each
/// flushed on its own, so the client's parser meets events (and UTF-8 sequences) cut anywhere.
func sseResponse(_ transcript: String, pieceSize: Int = 13) -> HTTPResponse {
    .eventStream { writer in
        let bytes = Array(transcript.utf8)
        for start in stride(from: 0, to: bytes.count, by: pieceSize) {
            do {
                try await writer.write(Array(bytes[start..<min(start + pieceSize, bytes.count)]))
                try await writer.flush()
            } catch {
                return
            }
        }
    }
}

/// A JSON error response whose message quotes every request header, the way a careless proxy
/// or provider might: it proves that the clients scrub the key out of what they report.
func echoingError(_ status: Int, _ request: HTTPRequest, type: String = "invalid_request_error", headers: HTTPHeaders = HTTPHeaders())
    -> HTTPResponse
{
    let message = "request rejected; headers were: " + headerDump(request)
    let body: JSONValue = ["type": "error", "error": ["type": .string(type), "message": .string(message)]]
    return .json(status, JSONWriter.bytes(body), headers: headers)
}

/// `name: value` of every header of `request`.
func headerDump(_ request: HTTPRequest) -> String {
    request.headers.map { "\($0.name): \($0.value)" }.joined(separator: ", ")
}

/// The request body parsed as JSON (`null` when it is not JSON).
func bodyJSON(_ request: HTTPRequest) -> JSONValue {
    (try? JSONParser.parse(request.body)) ?? .null
}
