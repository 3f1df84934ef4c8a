import JSON

/// What arrived on the wire: one message, a batch, or something that must be answered with an error.
public enum JSONRPCIncoming: Sendable {
    case single(JSONRPCMessage)
    /// A JSON array. Whether batches are allowed depends on the protocol version, so the
    /// classifier only reports it; elements are classified individually.
    case batch([Result<JSONRPCMessage, JSONRPCInvalidMessage>])
    case invalid(JSONRPCInvalidMessage)
}

/// A message that cannot be processed, with the id to answer (when it could be read).
public struct JSONRPCInvalidMessage: Error, Sendable {
    public var id: RequestID?
    public var error: JSONRPCError
    /// True when the message looked like a notification: JSON-RPC says those are never answered.
    public var isNotification: Bool

    public var response: JSONRPCResponse { JSONRPCResponse(id: id, error: error) }
}

/// Exact classification of incoming JSON-RPC 2.0 messages.
///
/// −32700 for bytes that are not JSON (id null), −32600 for JSON that is not a valid message (the
/// id echoed when it could be read). Params must be an object or an array when present.
public enum JSONRPCClassifier {
    public static func classify(bytes: UnsafeBufferPointer<UInt8>, limits: JSONParser.Limits = .default) -> JSONRPCIncoming {
        var none: JSONParser.MemberMemo?
        return classify(bytes: bytes, limits: limits, memo: &none)
    }

    /// `classify(bytes:limits:)` for one connection's stream of messages, reusing the member that
    /// `memo` remembers when a message repeats it byte for byte (see `JSONParser.MemberMemo`).
    public static func classify(bytes: UnsafeBufferPointer<UInt8>, limits: JSONParser.Limits = .default,
                                memo: inout JSONParser.MemberMemo?) -> JSONRPCIncoming {
        let value: JSONValue
        do {
            value = try JSONParser.parse(buffer: bytes, limits: limits, memo: &memo)
        } catch {
            return .invalid(JSONRPCInvalidMessage(id: nil, error: .parseError("Parse error: \(error.description)"), isNotification: false))
        }
        return classify(value)
    }

    public static func classify(_ value: JSONValue) -> JSONRPCIncoming {
        if case .array(let elements) = value {
            if elements.isEmpty {
                return .invalid(JSONRPCInvalidMessage(id: nil, error: .invalidRequest("Invalid Request: empty batch"), isNotification: false))
            }
            return .batch(elements.map { classifyMessage($0) })
        }
        switch classifyMessage(value) {
        case .success(let m): return .single(m)
        case .failure(let e): return .invalid(e)
        }
    }

    public static func classifyMessage(_ value: JSONValue) -> Result<JSONRPCMessage, JSONRPCInvalidMessage> {
        guard case .object(let o) = value else {
            return .failure(.init(id: nil, error: .invalidRequest("Invalid Request: a JSON-RPC message must be an object, got \(value.typeName)"), isNotification: false))
        }
        let rawID = o["id"]
        let id = rawID.flatMap(RequestID.init)
        func invalid(_ why: String) -> Result<JSONRPCMessage, JSONRPCInvalidMessage> {
            .failure(.init(id: id, error: .invalidRequest("Invalid Request: \(why)"), isNotification: rawID == nil && o["method"] != nil))
        }
        guard o["jsonrpc"] == .string("2.0") else { return invalid("\"jsonrpc\" must be exactly \"2.0\"") }
        if let method = o["method"] {
            guard case .string(let name) = method else { return invalid("\"method\" must be a string") }
            let params = o["params"]
            if let params {
                switch params {
                case .object, .array: break
                default: return invalid("\"params\" must be an object or an array")
                }
            }
            if o.contains("result") || o.contains("error") { return invalid("a message cannot carry both \"method\" and \"result\"/\"error\"") }
            guard let rawID else { return .success(.notification(JSONRPCNotification(method: name, params: params))) }
            guard let id else {
                return invalid(rawID.isNull ? "\"id\" must not be null" : "\"id\" must be a string or an integer")
            }
            return .success(.request(JSONRPCRequest(id: id, method: name, params: params)))
        }
        let hasResult = o.contains("result")
        let hasError = o.contains("error")
        if hasResult == hasError { return invalid("a response must carry exactly one of \"result\" and \"error\"") }
        if hasResult {
            guard let id else { return invalid("a result response needs a string or integer \"id\"") }
            return .success(.response(JSONRPCResponse(id: id, result: o["result"]!)))
        }
        guard let error = JSONRPCError(json: o["error"]!) else { return invalid("\"error\" must be an object with an integer \"code\" and a string \"message\"") }
        if let rawID, !rawID.isNull, id == nil { return invalid("\"id\" must be a string, an integer or null") }
        return .success(.response(JSONRPCResponse(id: id, error: error)))
    }
}
