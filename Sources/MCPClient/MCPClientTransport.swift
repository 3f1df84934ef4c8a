import JSON
import JSONRPC

/// The seam between `MCPClient` and the bytes: something that carries whole JSON-RPC messages to
/// one server and hands back whatever the server sends.
///
/// The client is transport-agnostic so one client serves stdio children (`FDClientTransport`),
/// in-process engines (`InMemoryClientTransport`), Streamable HTTP servers (`HTTPClientTransport`)
/// and 2024-11-05 HTTP+SSE servers (`LegacySSEClientTransport`). `send` is synchronous and must not
/// interleave two messages; it may block briefly (a full pipe) but must not wait for an answer.
/// Everything the server sends — responses, notifications, its own requests — comes back through
/// the closure given to `start`, in arrival order, and the end of the conversation is reported
/// exactly once with `.closed`.
///
/// An HTTP transport fits the same shape: each `MCPOutgoingMessage` says which method it carries,
/// in which era and protocol version, and which value belongs in `Mcp-Name`, so the transport can
/// derive `Mcp-Method`, `MCP-Protocol-Version` and `Mcp-Name` headers, POST the message, and
/// deliver the JSON or SSE answer (notifications first, then the response) through `start`'s
/// closure. It keeps its own session id (captured from the `initialize` response it carried), and
/// when a request cannot be delivered it reports an error response for that request's id. A
/// `notifications/cancelled` passing through `send` tells an HTTP transport which request's
/// stream to close (2026 HTTP cancels by closing the stream).
public protocol MCPClientTransport: Sendable {
    /// Starts delivering incoming messages. Called once, before the first `send`.
    func start(_ receive: @escaping @Sendable (MCPTransportEvent) -> Void)
    /// Sends one message.
    func send(_ message: MCPOutgoingMessage)
    /// Ends the conversation from our side (stdio: closes the child's stdin). Idempotent.
    func close()
    /// False when the transport can carry only the handshake era (the 2024-11-05 HTTP+SSE
    /// transport, whose servers all predate 2026): `connect(era: .auto)` then goes straight to
    /// `initialize` instead of probing with `server/discover`, and `.modern` is refused.
    var carriesModernEra: Bool { get }
}

extension MCPClientTransport {
    /// Transports carry both eras unless they say otherwise.
    public var carriesModernEra: Bool { true }
}

/// One message on its way to the server, with what a transport may need to route it.
public struct MCPOutgoingMessage: Sendable {
    public var message: JSONRPCMessage
    /// The era the message belongs to; nil while nothing is negotiated (only `initialize` and the
    /// `server/discover` probe, whose version is in `protocolVersion`).
    public var era: MCPEra?
    /// The protocol version in force for this message: the `_meta` version of a 2026 request, the
    /// negotiated version after a handshake, nil for `initialize` itself.
    public var protocolVersion: String?
    /// How long the client waits for this request's answer; nil for notifications, responses and
    /// requests the client waits on without a limit of its own (a listen, the era probe). A
    /// transport with clocks of its own (HTTP's wait for a response head) must not let them end
    /// a request sooner: the caller's deadline — which a gateway resets on progress — is the one
    /// that decides when a slow tool has taken too long.
    public var timeout: Duration?

    public init(message: JSONRPCMessage, era: MCPEra?, protocolVersion: String?, timeout: Duration? = nil) {
        self.message = message
        self.era = era
        self.protocolVersion = protocolVersion
        self.timeout = timeout
    }

    /// The method of a request or notification; nil for responses.
    public var method: String? {
        switch message {
        case .request(let r): return r.method
        case .notification(let n): return n.method
        case .response: return nil
        }
    }

    /// The request id, for requests.
    public var requestID: RequestID? {
        if case .request(let r) = message { return r.id }
        return nil
    }

    /// The value a 2026 HTTP transport mirrors into `Mcp-Name` (`params.name` of `tools/call` and
    /// `prompts/get`, `params.uri` of `resources/read`), if this message has one.
    public var nameValue: String? {
        guard case .request(let r) = message, let key = MCPMethodNames.nameParameter(of: r.method) else { return nil }
        return r.params?[key]?.stringValue
    }

    /// The serialized message (compact JSON, no newline).
    public var bytes: [UInt8] { message.bytes }
}

/// What a transport reports to the client.
public enum MCPTransportEvent: Sendable {
    /// A valid JSON-RPC message from the server.
    case message(JSONRPCMessage)
    /// A frame that is not a valid JSON-RPC message (bad JSON, wrong shape, oversized).
    case malformed(MalformedMessage)
    /// The conversation ended; the reason is shown to every request still waiting.
    case closed(reason: String)

    /// A frame the transport could not accept as a message.
    public struct MalformedMessage: Sendable, Hashable {
        /// The id, when it could be read.
        public var id: RequestID?
        /// True when the frame looked like a request (it had a `method` and an `id`): the server
        /// is then answered with an error, as JSON-RPC requires.
        public var looksLikeRequest: Bool
        public var reason: String

        public init(id: RequestID?, looksLikeRequest: Bool, reason: String) {
            self.id = id
            self.looksLikeRequest = looksLikeRequest
            self.reason = reason
        }
    }

    /// Classifies one received frame (shared by every transport). A JSON array yields one event
    /// per element: 2025-03-26 peers may batch.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, limits: JSONParser.Limits = .default) -> [MCPTransportEvent] {
        let value: JSONValue
        do {
            value = try JSONParser.parse(buffer: bytes, limits: limits)
        } catch {
            return [.malformed(MalformedMessage(id: nil, looksLikeRequest: false, reason: "the server sent a frame that is not JSON: \(error.description)"))]
        }
        return decode(value)
    }

    /// `decode` of a frame already parsed.
    public static func decode(_ value: JSONValue) -> [MCPTransportEvent] {
        switch JSONRPCClassifier.classify(value) {
        case .single(let m):
            return [.message(m)]
        case .invalid(let bad):
            return [.malformed(MalformedMessage(id: bad.id, looksLikeRequest: value.objectValue?.contains("method") == true && bad.id != nil, reason: bad.error.message))]
        case .batch(let elements):
            let raw = value.arrayValue ?? []
            return elements.enumerated().map { i, element in
                switch element {
                case .success(let m): return .message(m)
                case .failure(let bad):
                    let isRequest = i < raw.count && raw[i].objectValue?.contains("method") == true && bad.id != nil
                    return .malformed(MalformedMessage(id: bad.id, looksLikeRequest: isRequest, reason: bad.error.message))
                }
            }
        }
    }

    public static func decode(_ bytes: [UInt8], limits: JSONParser.Limits = .default) -> [MCPTransportEvent] {
        bytes.withUnsafeBufferPointer { decode($0, limits: limits) }
    }
}
