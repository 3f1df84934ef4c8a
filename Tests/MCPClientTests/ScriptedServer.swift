import Dispatch
import JSON
import JSONRPC
import MCPClient
import Synchronization

/// A fake server for the cases our reference server never produces: silence, odd versions,
/// malformed frames, sudden exits. Each message the client sends goes to `script` with how many
/// times its method was seen (1 for the first); the replies come back in order on a serial queue.
final class ScriptedServer: MCPClientTransport {
    enum Reply: Sendable {
        case json(JSONValue)
        case raw(String)
        case close(String)
    }

    typealias Script = @Sendable (_ message: JSONValue, _ occurrence: Int) -> [Reply]

    private let script: Script
    private let queue = DispatchQueue(label: "scripted-server")
    private let state = Mutex<(receive: (@Sendable (MCPTransportEvent) -> Void)?, seen: [String: Int], log: [JSONValue], closed: Bool)>((nil, [:], [], false))

    init(_ script: @escaping Script) {
        self.script = script
    }

    var sent: [JSONValue] { state.withLock { $0.log } }
    var sentMethods: [String] { sent.compactMap { $0["method"]?.stringValue } }

    func start(_ receive: @escaping @Sendable (MCPTransportEvent) -> Void) {
        state.withLock { $0.receive = receive }
    }

    func send(_ message: MCPOutgoingMessage) {
        let value = message.message.json
        let method = message.method ?? "(response)"
        let (receive, occurrence) = state.withLock { s -> ((@Sendable (MCPTransportEvent) -> Void)?, Int) in
            s.log.append(value)
            s.seen[method, default: 0] += 1
            return (s.closed ? nil : s.receive, s.seen[method]!)
        }
        guard let receive else { return }
        let replies = script(value, occurrence)
        queue.async {
            for reply in replies {
                switch reply {
                case .json(let v): for e in MCPTransportEvent.decode(JSONWriter.bytes(v)) { receive(e) }
                case .raw(let text): for e in MCPTransportEvent.decode(Array(text.utf8)) { receive(e) }
                case .close(let reason): receive(.closed(reason: reason))
                }
            }
        }
    }

    func close() { state.withLock { $0.closed = true } }

    // MARK: reply builders

    static func result(for request: JSONValue, _ result: JSONValue) -> Reply {
        .json(["jsonrpc": "2.0", "id": request["id"] ?? .null, "result": result])
    }

    static func error(for request: JSONValue, _ code: Int64, _ message: String, data: JSONValue? = nil) -> Reply {
        var e: JSONObject = ["code": .int(code), "message": .string(message)]
        if let data { e["data"] = data }
        return .json(["jsonrpc": "2.0", "id": request["id"] ?? .null, "error": .object(e)])
    }

    static let discoverResult: JSONValue = [
        "supportedVersions": ["2026-07-28"], "capabilities": ["tools": ["listChanged": true]], "resultType": "complete",
        "ttlMs": 0, "cacheScope": "private", "_meta": ["io.modelcontextprotocol/serverInfo": ["name": "scripted", "version": "9"]],
    ]

    static func initializeResult(_ version: String = "2025-11-25") -> JSONValue {
        ["protocolVersion": .string(version), "capabilities": ["tools": [:]], "serverInfo": ["name": "scripted-legacy", "version": "1"]]
    }

    /// A legacy server: errors for `server/discover` with `code` (or stays silent when nil), then
    /// answers the handshake and `tools/list`.
    static func legacy(discoverError code: Int64?) -> Script {
        { message, _ in
            switch message["method"]?.stringValue {
            case "server/discover": return code.map { [error(for: message, $0, "Invalid request parameters")] } ?? []
            case "initialize": return [result(for: message, initializeResult())]
            case "tools/list": return [result(for: message, ["tools": [["name": "t", "inputSchema": ["type": "object"]]]])]
            default: return []
            }
        }
    }
}

extension MCPClientConfiguration {
    /// For clients of a server that answers the probe: a probe timeout no starved test process
    /// reaches (at the start of a full run the pool can stall for 10 s and more, and a probe past
    /// its timeout rightly falls back to the handshake era). Tests of the timeout set their own.
    static let patient = MCPClientConfiguration(probeTimeout: .seconds(60))
}
