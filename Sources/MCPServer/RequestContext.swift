import JSON
import JSONRPC
import MCP

/// Everything a handler may know about, and do for, the request it is serving.
///
/// The same context serves both eras: the version, capabilities and log level come from the
/// request's `_meta` (2026) or from the handshake (legacy), and notifications go wherever the
/// transport routes this request's traffic (the stdio pipe, an SSE stream).
public struct RequestContext: Sendable {
    public var requestID: RequestID
    public var method: String
    public var version: ProtocolVersion
    public var clientCapabilities: JSONObject
    public var clientInfo: JSONValue?
    /// Who is asking ("local" on stdio; a key id over HTTP). Binds `requestState`.
    public var principal: String
    public var progressToken: JSONValue?
    /// Minimum level of `notifications/message` this request may receive; nil means none.
    public var logThreshold: LogLevel?
    /// Answers to input requests: this round's `inputResponses` merged over earlier rounds'.
    public var inputResponses: JSONObject
    /// Handler state carried from the previous round by `requestState`.
    public var state: JSONValue?
    /// How long a 2026 client has to retry after an `input_required` result (its `requestState`
    /// expires then); nil where questions are asked within the request (handshake era).
    public var retryWindow: Duration?
    /// Sends a notification related to this request (already addressed to the right stream).
    let emit: @Sendable (JSONRPCNotification) -> Void
    /// Sends an input request to the client now (handshake era, with a way back to the client).
    var directAsk: (@Sendable (InputRequest) async throws -> JSONValue)?

    public init(requestID: RequestID, method: String, version: ProtocolVersion, clientCapabilities: JSONObject = [:],
                clientInfo: JSONValue? = nil, principal: String = "local", progressToken: JSONValue? = nil,
                logThreshold: LogLevel? = nil, inputResponses: JSONObject = [:], state: JSONValue? = nil,
                emit: @escaping @Sendable (JSONRPCNotification) -> Void)
    {
        self.requestID = requestID
        self.method = method
        self.version = version
        self.clientCapabilities = clientCapabilities
        self.clientInfo = clientInfo
        self.principal = principal
        self.progressToken = progressToken
        self.logThreshold = logThreshold
        self.inputResponses = inputResponses
        self.state = state
        self.emit = emit
    }

    public var isCancelled: Bool { Task.isCancelled }

    /// Reports progress if the client asked for it (sent a progress token); otherwise does nothing.
    public func progress(_ progress: Double, total: Double? = nil, message: String? = nil) {
        guard let token = progressToken else { return }
        var p: JSONObject = ["progressToken": token, "progress": Self.number(progress)]
        if let total { p["total"] = Self.number(total) }
        if let message { p["message"] = .string(message) }
        emit(JSONRPCNotification(method: MCPMethod.progress, params: ResultShaper.shape(notificationParams: .object(p), method: MCPMethod.progress, version: version)))
    }

    /// Sends a log message if this request's level allows it.
    public func log(_ level: LogLevel, _ data: JSONValue, logger: String? = nil) {
        guard let threshold = logThreshold, level >= threshold else { return }
        var p: JSONObject = ["level": .string(level.rawValue)]
        if let logger { p["logger"] = .string(logger) }
        p["data"] = data
        emit(JSONRPCNotification(method: MCPMethod.message, params: .object(p)))
    }

    /// Returns the answers to `requests`, or throws `InputRequired` for the ones not answered yet.
    /// Keys must stay stable across rounds: they are how answers find their questions.
    public func inputs(_ requests: [(String, InputRequest)], state: JSONValue? = nil) throws(InputRequired) -> [String: JSONValue] {
        var answers: [String: JSONValue] = [:]
        var missing: [(String, InputRequest)] = []
        for (key, request) in requests {
            if let a = inputResponses[key] { answers[key] = a } else { missing.append((key, request)) }
        }
        if !missing.isEmpty { throw InputRequired(requests: missing, state: state ?? self.state) }
        return answers
    }

    /// Whether `ask(_:)` can reach the client while the handler keeps running: true for a
    /// handshake-era connection, where the server may send requests of its own. A 2026 request
    /// cannot — its only way to ask is to end with `input_required` (`inputs(_:)`).
    public var canAskDirectly: Bool { directAsk != nil }

    /// Sends `request` to the client as a server→client request and returns its answer, without
    /// re-running the handler — for work that cannot be repeated, such as an upstream call that
    /// is waiting for the answer (a gateway forwarding its upstream's elicitation). Throws
    /// `MissingClientCapability` when the client did not declare what the request needs, and when
    /// `canAskDirectly` is false.
    public func ask(_ request: InputRequest) async throws -> JSONValue {
        guard let directAsk else {
            throw MissingClientCapability(message: "This request cannot ask the client for \(request.method) while it runs")
        }
        return try await directAsk(request)
    }

    /// Asks the user for form input; returns the client's answer. Throws `InputRequired` until the
    /// answer is there, and −32602 when the answer is not a valid `ElicitResult`.
    public func elicit(key: String, message: String, schema: JSONValue) throws -> ElicitResult {
        let answer = try inputs([(key, .elicitation(message: message, schema: schema))])[key]!
        return try ElicitResult(json: answer)
    }

    static func number(_ d: Double) -> JSONValue {
        if d.rounded() == d, abs(d) < 9e15 { return .int(Int64(d)) }
        return .double(d)
    }
}

/// A client's answer to an elicitation.
public struct ElicitResult: Sendable, Hashable {
    public enum Action: String, Sendable { case accept, decline, cancel }
    public var action: Action
    public var content: JSONObject?

    /// Validates the client's answer: a known `action`, and `content` (if any) an object of
    /// strings, numbers, booleans or string arrays.
    public init(json: JSONValue) throws(JSONRPCError) {
        guard let raw = json["action"]?.stringValue, let action = Action(rawValue: raw) else {
            throw .invalidParams("Invalid elicitation response: \"action\" must be accept, decline or cancel")
        }
        self.action = action
        switch json["content"] {
        case nil, .null?:
            content = nil
        case .object(let o)?:
            for (k, v) in o {
                switch v {
                case .string, .int, .double, .bool: continue
                case .array(let items) where items.allSatisfy({ $0.stringValue != nil }): continue
                default: throw .invalidParams("Invalid elicitation response: content.\(k) must be a string, number, boolean or array of strings")
                }
            }
            content = o
        default:
            throw .invalidParams("Invalid elicitation response: \"content\" must be an object")
        }
    }
}
