import JSONRPC

/// HTTP status for a JSON-RPC error, as the 2026 transport defines it: protocol-shape problems are
/// 400, an unknown or removed method is 404, everything else (including tool failures, which are
/// results) is 200.
public enum StatusMapping {
    public static func status(for code: JSONRPCErrorCode) -> Int {
        switch code {
        case .parseError, .invalidRequest, .invalidParams, .headerMismatch, .missingRequiredClientCapability, .unsupportedProtocolVersion:
            return 400
        case .methodNotFound:
            return 404
        default:
            return 200
        }
    }
}
