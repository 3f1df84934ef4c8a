import JSON
import JSONRPC

/// Why a client operation failed.
///
/// `server` is the one case that carries what the server said; every other case is decided on our
/// side and says so in its message. Messages never include request parameters or results, so they
/// are safe to log (arguments may hold secrets).
public enum MCPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server answered with a JSON-RPC error.
    case server(code: Int, message: String, data: JSONValue?)
    /// The connection is gone (the upstream process exited, the pipe broke, or `close()` ran).
    case closed(String)
    /// The request never got an answer over the transport (connect refused, the address policy
    /// refused the host, the connection dropped): decided on our side, nothing the server said.
    case transport(String)
    /// No answer within the time limit; the server was told to stop (`notifications/cancelled`).
    case timeout(method: String, after: Duration)
    /// The calling task was cancelled; the server was told to stop.
    case cancelled(method: String)
    /// The server broke the protocol: a malformed frame, or a result of the wrong shape.
    case protocolViolation(String)
    /// Client and server have no protocol version in common.
    case incompatible(String)
    /// `connect` has not succeeded yet.
    case notConnected
    /// The operation does not exist in the negotiated era or version.
    case unsupported(String)
    /// The server kept asking for input past the configured number of rounds.
    case tooManyInputRounds(Int)
    /// The server asked for input this client cannot give (or the input provider refused).
    case inputRefused(String)

    /// The JSON-RPC error code when the server sent one.
    public var serverCode: Int? {
        if case .server(let code, _, _) = self { return code }
        return nil
    }

    public var description: String {
        switch self {
        case .server(let code, let message, _): return "MCP server error \(code): \(message)"
        case .closed(let why): return "MCP connection closed: \(why)"
        case .transport(let why): return "MCP transport failed: \(why)"
        case .timeout(let method, let after): return "MCP request \(method) timed out after \(after)"
        case .cancelled(let method): return "MCP request \(method) was cancelled"
        case .protocolViolation(let why): return "MCP protocol violation by the server: \(why)"
        case .incompatible(let why): return "No common MCP protocol version: \(why)"
        case .notConnected: return "MCP client is not connected (call connect first)"
        case .unsupported(let why): return "Not supported: \(why)"
        case .tooManyInputRounds(let n): return "The server asked for input more than \(n) times for one request"
        case .inputRefused(let why): return "Input request refused: \(why)"
        }
    }

    init(_ error: JSONRPCError) {
        if error.data?[Self.transportFailureKey] == .bool(true) {
            self = .transport(error.message)
        } else {
            self = .server(code: error.code.rawValue, message: error.message, data: error.data)
        }
    }

    /// Marks the JSON-RPC errors a transport delivers for requests it could not get answered
    /// (they travel the same path as the server's answers, to fail the right request).
    static let transportFailureKey = "io.agentbridge/transportFailure"

    /// A transport's local failure of one request (becomes `.transport` for the caller).
    static func transportFailure(_ message: String) -> JSONRPCError {
        JSONRPCError(.internalError, message, data: [transportFailureKey: true])
    }

    /// The JSON-RPC error to send when this error answers a server→client request.
    var jsonRPCError: JSONRPCError {
        switch self {
        case .server(let code, let message, let data): return JSONRPCError(JSONRPCErrorCode(code), message, data: data)
        default: return JSONRPCError(.internalError, description)
        }
    }
}
