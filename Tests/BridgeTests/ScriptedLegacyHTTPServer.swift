import HTTPServer
import JSON
import Synchronization

/// A scripted 2025-06-18 Streamable HTTP server for `HTTPUpstream` tests: sessions `s1`, `s2`, …;
/// `forget()` ends them all; it records the methods and each call's `Authorization` header and target.
final class ScriptedLegacyHTTPServer: Sendable {
    struct State {
        var session = 0
        var live: Set<String> = []
        var methods: [String] = []
        /// Every request gets a 500 while set.
        var broken = false
        /// The `Authorization` header of each tools/call.
        var authorizations: [String?] = []
        /// The request target (path and query) of each tools/call.
        var targets: [String] = []
        /// While set, `initialize` is not answered (see `handleHeld`).
        var holdInitialize = false
        /// `initialize` requests that reached `handleHeld`, held or not.
        var initializeArrivals = 0
    }
    let state = Mutex(State())

    /// `handle`, except that `initialize` waits while `holdInitialize` is set: a connection
    /// that is still being made, for as long as a test needs.
    func handleHeld(_ request: HTTPRequest) async -> HTTPResponse {
        if request.method == "POST", let message = try? JSONParser.parse(request.body), message["method"]?.stringValue == "initialize" {
            state.withLock { $0.initializeArrivals += 1 }
            while state.withLock({ $0.holdInitialize }) { try? await Task.sleep(for: .milliseconds(10)) }
        }
        return handle(request)
    }

    func forget() { state.withLock { $0.live.removeAll() } }
    var methods: [String] { state.withLock { $0.methods } }

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        if state.withLock({ $0.broken }) { return HTTPResponse(status: 500) }
        if request.method == "DELETE" {
            // The client ends its session; recorded as "DELETE <session>".
            let session = request.headers.only("mcp-session-id") ?? "-"
            state.withLock { s in
                s.methods.append("DELETE \(session)")
                s.live.remove(session)
            }
            return HTTPResponse(status: 200)
        }
        guard request.method == "POST" else { return HTTPResponse(status: 405) }
        guard let message = try? JSONParser.parse(request.body), let method = message["method"]?.stringValue else {
            return HTTPResponse(status: 400)
        }
        let session = request.headers.only("mcp-session-id")
        let known = state.withLock { s -> Bool in
            s.methods.append(method)
            if method == "tools/call" {
                s.authorizations.append(request.headers.only("authorization"))
                s.targets.append(request.target)
            }
            return session.map { s.live.contains($0) } ?? false
        }
        var headers = HTTPHeaders()
        headers.set("Content-Type", "application/json")
        let id = message["id"] ?? .null
        func answer(_ result: JSONValue) -> HTTPResponse {
            .json(200, JSONWriter.bytes(["jsonrpc": "2.0", "id": id, "result": result]), headers: headers)
        }
        if method == "initialize" {
            let name = state.withLock { s -> String in
                s.session += 1
                s.live.insert("s\(s.session)")
                return "s\(s.session)"
            }
            headers.set("Mcp-Session-Id", name)
            return answer(["protocolVersion": "2025-06-18", "capabilities": ["tools": [:]], "serverInfo": ["name": "legacy", "version": "1"]])
        }
        guard session != nil else {
            // What the Python SDK's legacy transport answers a request without a session.
            return .json(400, JSONWriter.bytes(["jsonrpc": "2.0", "id": id, "error": ["code": -32600, "message": "Bad Request: Missing session ID"]]), headers: headers)
        }
        guard known else { return HTTPResponse(status: 404) }
        switch method {
        case "notifications/initialized": return HTTPResponse(status: 202)
        case "tools/list": return answer(["tools": [["name": "echo", "inputSchema": ["type": "object"]]]])
        case "tools/call": return answer(["content": [["type": "text", "text": message["params"]?["arguments"]?["text"] ?? ""]]])
        default: return .json(200, JSONWriter.bytes(["jsonrpc": "2.0", "id": id, "error": ["code": -32601, "message": "no"]]), headers: headers)
        }
    }
}
