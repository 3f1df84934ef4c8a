import CLIKit
import Foundation
import HTTPClient
import JSON
import JSONRPC
import MCPClient
import StdioTransport
import Synchronization

/// `agentbridge connect URL`: a stdio ↔ Streamable HTTP bridge for desktop clients that only
/// speak stdio. Every message the client writes on stdin is relayed to URL by our HTTP transport
/// (routing headers, sessions, SSE answers, DELETE at the end), and everything the server sends
/// back is written to stdout, one message per line. The era is the client's own: a 2026 request
/// (with its `_meta` envelope) goes out as one, an `initialize` handshake opens a legacy session.
/// The API key comes from `AGENTBRIDGE_KEY` — never a flag, which `ps` would show.
enum ConnectCommand {
    static let command = Command(
        name: "connect",
        abstract: "Bridge stdio to a remote MCP server over Streamable HTTP (key from AGENTBRIDGE_KEY).",
        options: [
            Option("grace", valueName: "seconds",
                   help: "After stdin ends, how long requests still running may take to be answered before the session is closed.",
                   defaultValue: "30"),
        ],
        positionals: [Positional("url", help: "The server's MCP endpoint, e.g. https://host/mcp.")])

    /// What the relay learned about the session so far.
    private final class Session: Sendable {
        struct State {
            /// The id of the client's `initialize` request, until its answer passes.
            var initializeID: RequestID?
            /// The handshake version, once the server answered `initialize`.
            var legacyVersion: String?
            /// The 2026 version the client used last (its notifications travel in that era).
            var modernVersion: String?
            /// Requests the client cancelled: any late answer to them is not passed on (the
            /// client expects none).
            var cancelled: Set<RequestID> = []
            /// The client's requests not answered yet (listen streams aside: they run until
            /// closed), which stdin ending does not abandon.
            var outstanding: Set<RequestID> = []
        }
        private let state = Mutex(State())
        func withLock<T: Sendable>(_ body: (inout sending State) -> sending T) -> T { state.withLock(body) }
    }

    static func run(_ args: ParsedArguments) async throws -> Int32 {
        guard let url = args.positional("url") else { throw args.usageError("missing URL") }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else { throw args.usageError("the URL must start with http:// or https://") }
        let grace = try args.seconds("grace", in: 0...86_400) ?? .seconds(30)
        var headers: [(String, String)] = []
        if let key = ProcessInfo.processInfo.environment["AGENTBRIDGE_KEY"], !key.isEmpty {
            headers.append(("Authorization", "Bearer \(key)"))
        }
        let http = HTTPClient()
        let transport = try HTTPClientTransport(url: url, headers: headers, client: http)
        let writer = LineWriter(fd: 1)
        let session = Session()
        let closing = Atomic<Bool>(false)
        /// The transport ended on its own (the server went away): nothing more will be answered.
        let ended = Atomic<Bool>(false)

        transport.start { event in
            switch event {
            case .message(let message):
                if case .response(let response) = message {
                    let drop = session.withLock { s -> Bool in
                        if response.id == s.initializeID, case .success(let result) = response.outcome {
                            s.legacyVersion = result["protocolVersion"]?.stringValue
                            s.initializeID = nil
                        }
                        guard let id = response.id else { return false }
                        s.outstanding.remove(id)
                        return s.cancelled.remove(id) != nil
                    }
                    if drop { return }
                }
                writer.writeLine(message.bytes)
            case .malformed(let bad):
                FileHandle.standardError.write(Data("agentbridge connect: dropped a malformed message from the server: \(bad.reason)\n".utf8))
            case .closed(let reason):
                ended.store(true, ordering: .releasing)
                // Our own close (stdin ended) is the normal end; anything else is worth a line.
                if !closing.load(ordering: .acquiring) {
                    FileHandle.standardError.write(Data("agentbridge connect: \(reason)\n".utf8))
                }
            }
        }

        let reader = LineReader(fd: 0, maxLineBytes: 16 << 20)
        await reader.run { event in
            guard case .line(let line, _) = event else { return }
            // Not JSON at all: the parse error a JSON-RPC server gives (the line never leaves).
            guard let value = try? JSONParser.parse(buffer: line) else {
                writer.writeLine(JSONRPCMessage.response(JSONRPCResponse(id: nil, error: JSONRPCError(.parseError, "Parse error: the line is not JSON"))).bytes)
                return
            }
            for decoded in MCPTransportEvent.decode(value) {
                switch decoded {
                case .message(let message):
                    transport.send(outgoing(message, session))
                case .malformed(let bad):
                    if bad.looksLikeRequest, let id = bad.id {
                        writer.writeLine(JSONRPCMessage.response(JSONRPCResponse(id: id, error: JSONRPCError(.invalidRequest, bad.reason))).bytes)
                    }
                case .closed:
                    break
                }
            }
        }
        // stdin ended: the client will send nothing more, but may still read the answers of
        // what it asked (`echo request | connect URL`). Then close the session (DELETE) and stop.
        let deadline = ContinuousClock.now + grace
        while session.withLock({ !$0.outstanding.isEmpty }), ContinuousClock.now < deadline, !ended.load(ordering: .acquiring) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        closing.store(true, ordering: .releasing)
        transport.close()
        await transport.waitUntilClosed()
        await http.shutdown()
        writer.flush()
        return 0
    }

    /// The message with the era and version an HTTP transport needs to route it.
    private static func outgoing(_ message: JSONRPCMessage, _ session: Session) -> MCPOutgoingMessage {
        if case .notification(let note) = message, note.method == "notifications/cancelled",
           let raw = note.params?["requestId"], let id = RequestID(raw) {
            session.withLock { s in
                s.cancelled.insert(id)
                s.outstanding.remove(id)
            }
        }
        if case .request(let request) = message, request.method != "subscriptions/listen" {
            session.withLock { _ = $0.outstanding.insert(request.id) }
        }
        if case .request(let request) = message {
            if let version = request.params?["_meta"]?["io.modelcontextprotocol/protocolVersion"]?.stringValue {
                session.withLock { $0.modernVersion = version }
                return MCPOutgoingMessage(message: message, era: .modern, protocolVersion: version)
            }
            if request.method == "initialize" {
                session.withLock { $0.initializeID = request.id }
                return MCPOutgoingMessage(message: message, era: nil, protocolVersion: nil)
            }
        }
        let (legacy, modern) = session.withLock { ($0.legacyVersion, $0.modernVersion) }
        if let legacy { return MCPOutgoingMessage(message: message, era: .legacy, protocolVersion: legacy) }
        if let modern { return MCPOutgoingMessage(message: message, era: .modern, protocolVersion: modern) }
        return MCPOutgoingMessage(message: message, era: nil, protocolVersion: nil)
    }
}
