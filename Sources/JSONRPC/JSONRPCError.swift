import JSON

/// The `error` member of a JSON-RPC response, also usable as a Swift error.
///
/// Handlers throw it to answer with a protocol error; the peer serializes it unchanged.
public struct JSONRPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: JSONRPCErrorCode
    public var message: String
    public var data: JSONValue?

    public init(_ code: JSONRPCErrorCode, _ message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public init?(json: JSONValue) {
        guard let code = json["code"]?.intValue, let message = json["message"]?.stringValue else { return nil }
        self.init(JSONRPCErrorCode(Int(code)), message, data: json["data"])
    }

    public var json: JSONValue {
        var o: JSONObject = ["code": .int(Int64(code.rawValue)), "message": .string(message)]
        if let data { o["data"] = data }
        return .object(o)
    }

    public var description: String { "JSON-RPC error \(code.rawValue): \(message)" }

    public static func parseError(_ message: String) -> JSONRPCError { .init(.parseError, message) }
    public static func invalidRequest(_ message: String) -> JSONRPCError { .init(.invalidRequest, message) }
    public static func methodNotFound(_ method: String) -> JSONRPCError {
        .init(.methodNotFound, "Method not found: \(method)", data: .string(method))
    }
    public static func invalidParams(_ message: String, data: JSONValue? = nil) -> JSONRPCError {
        .init(.invalidParams, message, data: data)
    }
    public static func internalError(_ message: String) -> JSONRPCError { .init(.internalError, message) }
}
