import JSON
import MCP

/// Something the server needs from the client's side before it can finish a request: an
/// elicitation, a sampling call or the client's roots.
///
/// The same value reaches the input provider in both eras: a 2026 `input_required` result names
/// it under a server-chosen `key`; a legacy server sends it as its own JSON-RPC request (`key` is
/// nil then). A gateway forwards it to its own caller and returns the caller's answer.
public struct MCPInputRequest: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case elicitation
        case sampling
        case roots
    }

    /// `elicitation/create`, `sampling/createMessage` or `roots/list`.
    public var method: String
    public var params: JSONObject
    public var era: MCPEra
    /// The key of this request in `inputRequests` (2026 only).
    public var key: String?
    /// The request that needs the input, when known (2026: the call being retried).
    public var relatedMethod: String?

    public init(method: String, params: JSONObject, era: MCPEra, key: String? = nil, relatedMethod: String? = nil) {
        self.method = method
        self.params = params
        self.era = era
        self.key = key
        self.relatedMethod = relatedMethod
    }

    public var kind: Kind? {
        switch method {
        case MCPMethod.elicitationCreate: return .elicitation
        case MCPMethod.samplingCreateMessage: return .sampling
        case MCPMethod.rootsList: return .roots
        default: return nil
        }
    }

    /// The answer used when there is no provider, or the provider returns nil: elicitation is
    /// declined, roots are an empty list, and sampling has no default (nil: refused).
    public var defaultAnswer: JSONValue? {
        switch kind {
        case .elicitation: return ["action": "decline"]
        case .roots: return ["roots": []]
        case .sampling, nil: return nil
        }
    }
}

/// Answers the server's input requests. Return the result object (`ElicitResult`,
/// `CreateMessageResult`, `ListRootsResult`), or nil for the default answer
/// (`MCPInputRequest.defaultAnswer`). Throwing refuses: a legacy server gets a JSON-RPC error
/// (the thrown `MCPClientError.server` code, else −32603), and a 2026 call fails with
/// `MCPClientError.inputRefused`.
public typealias MCPInputProvider = @Sendable (MCPInputRequest) async throws -> JSONValue?
