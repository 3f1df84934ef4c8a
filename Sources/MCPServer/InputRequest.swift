import JSON
import MCP

/// Something a handler needs from the client's side before it can finish: an elicitation, a
/// sampling call or the client's roots.
///
/// Handlers are written once for both eras. They ask through `RequestContext.inputs(_:)`; when an
/// answer is missing that call throws `InputRequired`. The engine then either returns a 2026
/// `input_required` result (the client retries with `inputResponses`) or, for a legacy client,
/// sends the matching server→client requests itself and runs the handler again with the answers.
public struct InputRequest: Sendable, Hashable {
    public var method: String
    public var params: JSONObject

    public init(method: String, params: JSONObject) {
        self.method = method
        self.params = params
    }

    /// A form-mode elicitation. `schema` is a flat object schema of primitive properties.
    public static func elicitation(message: String, schema: JSONValue) -> InputRequest {
        InputRequest(method: MCPMethod.elicitationCreate, params: ["mode": "form", "message": .string(message), "requestedSchema": schema])
    }

    public static func sampling(_ params: JSONObject) -> InputRequest {
        InputRequest(method: MCPMethod.samplingCreateMessage, params: params)
    }

    public static let roots = InputRequest(method: MCPMethod.rootsList, params: [:])

    public var json: JSONValue { ["method": .string(method), "params": .object(params)] }

    /// The client capability this request needs, in the shape −32021 reports it.
    public var requiredCapability: (key: String, shape: JSONValue) {
        switch method {
        case MCPMethod.elicitationCreate:
            let mode = params["mode"]?.stringValue ?? "form"
            return ("elicitation", .object([mode: [:]]))
        case MCPMethod.samplingCreateMessage: return ("sampling", [:])
        default: return ("roots", [:])
        }
    }

    /// Whether the declared client capabilities allow this request.
    public func isAllowed(by capabilities: JSONObject) -> Bool {
        switch method {
        case MCPMethod.elicitationCreate:
            guard let e = capabilities["elicitation"]?.objectValue else { return false }
            let mode = params["mode"]?.stringValue ?? "form"
            // `{}` means form only (2025-11-25 and 2026 rule).
            if e.isEmpty { return mode == "form" }
            return e[mode] != nil
        case MCPMethod.samplingCreateMessage: return capabilities["sampling"] != nil
        case MCPMethod.rootsList: return capabilities["roots"] != nil
        default: return false
        }
    }
}

/// Thrown by a handler (through `RequestContext.inputs`) when it needs answers from the client.
/// `requests` may be empty: then `state` alone asks the client to retry (a state-only round).
public struct InputRequired: Error, Sendable {
    public var requests: [String: InputRequest]
    public var requestOrder: [String]
    public var state: JSONValue?

    public init(requests: [(String, InputRequest)], state: JSONValue? = nil) {
        self.requests = Dictionary(requests, uniquingKeysWith: { a, _ in a })
        self.requestOrder = requests.map(\.0)
        self.state = state
    }
}
