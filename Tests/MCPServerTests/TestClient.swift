import Synchronization
import JSON
import JSONRPC
import MCP
@testable import MCPServer
import ReferenceServer

/// An in-memory client wired to a `ServerConnection`: sends JSON values as if they arrived on a
/// stdio line and lets a test await the messages the server writes back.
final class TestClient: Sendable {
    typealias Waiter = (predicate: @Sendable (JSONValue) -> Bool, cont: CheckedContinuation<JSONValue, Never>)
    private let state = Mutex<(messages: [JSONValue], waiters: [Waiter])>(([], []))
    let connection: ServerConnection
    let server: MCPServer

    static let modernMeta: JSONValue = [
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": [:],
    ]

    init(server: MCPServer = ReferenceServer.make(version: "test")) {
        self.server = server
        let box = Mutex<TestClient?>(nil)
        connection = ServerConnection(server: server) { bytes in
            box.withLock { $0 }?.deliver(bytes)
        }
        box.withLock { $0 = self }
    }

    private func deliver(_ bytes: [UInt8]) {
        precondition(!bytes.contains(0x0A), "a frame must never contain a raw newline")
        let value = try! JSONParser.parse(bytes)
        let ready = state.withLock { s -> [CheckedContinuation<JSONValue, Never>] in
            s.messages.append(value)
            var hit: [CheckedContinuation<JSONValue, Never>] = []
            s.waiters.removeAll { w in
                if w.predicate(value) { hit.append(w.cont); return true }
                return false
            }
            return hit
        }
        for c in ready { c.resume(returning: value) }
    }

    var messages: [JSONValue] { state.withLock { $0.messages } }

    func sendRaw(_ text: String) {
        Array(text.utf8).withUnsafeBufferPointer { connection.receive(bytes: $0) }
    }

    func send(_ value: JSONValue) {
        JSONWriter.bytes(value).withUnsafeBufferPointer { connection.receive(bytes: $0) }
    }

    func next(where predicate: @escaping @Sendable (JSONValue) -> Bool) async -> JSONValue {
        await withCheckedContinuation { cont in
            let existing = state.withLock { s -> JSONValue? in
                if let m = s.messages.first(where: predicate) { return m }
                s.waiters.append((predicate, cont))
                return nil
            }
            if let existing { cont.resume(returning: existing) }
        }
    }

    func response(id: JSONValue) async -> JSONValue {
        await next { $0["id"] == id && $0["method"] == nil }
    }

    /// Sends a request and returns the whole response message.
    func request(_ id: JSONValue, _ method: String, _ params: JSONValue? = nil) async -> JSONValue {
        var o: JSONObject = ["jsonrpc": "2.0", "id": id, "method": .string(method)]
        if let params { o["params"] = params }
        send(.object(o))
        return await response(id: id)
    }

    /// A 2026 request: `params` plus the `_meta` envelope (with optional extra meta keys).
    func modern(_ id: JSONValue, _ method: String, _ params: JSONObject = [:], capabilities: JSONValue = [:], meta extra: JSONObject = [:]) async -> JSONValue {
        var p = params
        var meta = Self.modernMeta.objectValue!
        meta["io.modelcontextprotocol/clientCapabilities"] = capabilities
        for (k, v) in extra { meta[k] = v }
        p["_meta"] = .object(meta)
        return await request(id, method, .object(p))
    }

    /// Performs the legacy handshake at `version`.
    @discardableResult
    func initialize(_ version: String = "2025-11-25", capabilities: JSONValue = [:]) async -> JSONValue {
        let r = await request(0, "initialize", ["protocolVersion": .string(version), "capabilities": capabilities, "clientInfo": ["name": "t", "version": "1"]])
        send(["jsonrpc": "2.0", "method": "notifications/initialized"])
        return r
    }

    func notifications(_ method: String) -> [JSONValue] {
        messages.filter { $0["method"] == .string(method) && $0["id"] == nil }
    }
}

extension JSONValue {
    var errorCode: Int64? { self["error"]?["code"]?.intValue }
    var result: JSONValue? { self["result"] }
}
