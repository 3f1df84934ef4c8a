import HTTPServer
import JSON
import Synchronization

/// A loopback HTTP server whose every answer a test writes by hand, for wire situations real
/// servers do not produce on demand: an endpoint on another origin, an event stream that ends
/// before the response, a replay on `GET` + `Last-Event-ID`, a 405 there.
final class ScriptedHTTPServer: Sendable {
    let http: HTTPServer
    /// `http://127.0.0.1:<port>`.
    let base: String
    let log: RequestLog
    /// What happened, in order, as the handler and the test note it (for ordering assertions).
    let timeline: Collector<String>

    init(_ handler: @escaping @Sendable (HTTPRequest, ScriptedHTTPServer.Context) async -> HTTPResponse) throws {
        var config = HTTPServer.Configuration()
        config.addresses = ["127.0.0.1:0"]
        config.loopCount = 1
        config.accessLog = false
        let log = RequestLog()
        let timeline = Collector<String>()
        let http = HTTPServer(configuration: config) { request in
            log.record(request)
            return await handler(request, Context(timeline: timeline))
        }
        let address = try http.start()[0]
        self.http = http
        self.log = log
        self.timeline = timeline
        self.base = "http://\(address.host):\(address.port)"
    }

    /// What a handler may use besides the request.
    struct Context: Sendable {
        let timeline: Collector<String>
    }

    func stop() async {
        await http.shutdown(gracePeriod: .milliseconds(200))
    }

    // MARK: answers

    /// An event stream that writes `frames` (raw `text/event-stream` text), then either ends or
    /// stays open until the client goes away.
    static func events(_ frames: [String], thenHold: Bool = false, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        HTTPResponse.eventStream(headers: headers) { writer in
            do {
                for frame in frames { try await writer.write(frame) }
                try await writer.flush()
                while thenHold {
                    try await Task.sleep(for: .milliseconds(50))
                    try await writer.write([])
                }
            } catch {
                return  // the client went away
            }
        }
    }

    /// One `data:` frame holding `message` as compact JSON, with an optional id and retry.
    static func frame(_ message: JSONValue, id: String? = nil, retry: Int? = nil, event: String? = nil) -> String {
        var out = ""
        if let event { out += "event: \(event)\n" }
        if let id { out += "id: \(id)\n" }
        if let retry { out += "retry: \(retry)\n" }
        return out + "data: \(String(decoding: JSONWriter.bytes(message), as: UTF8.self))\n\n"
    }

    static func json(_ message: JSONValue, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        .json(200, JSONWriter.bytes(message), headers: headers)
    }
}
