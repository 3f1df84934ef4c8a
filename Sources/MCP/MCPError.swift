import JSON
import JSONRPC

/// MCP's own JSON-RPC error codes and the constructors that give each one its exact wire shape.
extension JSONRPCErrorCode {
    /// Resource not found, through 2025-11-25 (retired in 2026, where it is −32602).
    public static let resourceNotFoundLegacy = JSONRPCErrorCode(-32002)
    /// 2026: an HTTP routing header is missing, mismatched or malformed.
    public static let headerMismatch = JSONRPCErrorCode(-32020)
    /// 2026: the request needs a client capability that the request did not declare.
    public static let missingRequiredClientCapability = JSONRPCErrorCode(-32021)
    /// 2026: the requested protocol version is not supported.
    public static let unsupportedProtocolVersion = JSONRPCErrorCode(-32022)
}

public enum MCPError {
    public static func unsupportedVersion(_ requested: String, supported: [ProtocolVersion], message: String = "Unsupported protocol version") -> JSONRPCError {
        JSONRPCError(.unsupportedProtocolVersion, message, data: [
            "supported": .array(supported.map { .string($0.rawValue) }),
            "requested": .string(requested),
        ])
    }

    public static func missingCapability(_ required: JSONValue, _ message: String) -> JSONRPCError {
        JSONRPCError(.missingRequiredClientCapability, message, data: ["requiredCapabilities": required])
    }

    /// Resource not found, with the code of the request's era.
    public static func resourceNotFound(_ uri: String, version: ProtocolVersion) -> JSONRPCError {
        JSONRPCError(version.isModern ? .invalidParams : .resourceNotFoundLegacy, "Resource not found: \(uri)", data: ["uri": .string(uri)])
    }

    public static func headerMismatch(_ message: String) -> JSONRPCError {
        JSONRPCError(.headerMismatch, message)
    }
}
