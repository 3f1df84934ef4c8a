import JSON
import JSONRPC
import MCP

/// The `params._meta` envelope every 2026 request carries, validated.
public struct ModernEnvelope: Sendable {
    public static let protocolVersionKey = "io.modelcontextprotocol/protocolVersion"
    public static let clientCapabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
    public static let clientInfoKey = "io.modelcontextprotocol/clientInfo"
    public static let logLevelKey = "io.modelcontextprotocol/logLevel"
    public static let subscriptionIDKey = "io.modelcontextprotocol/subscriptionId"
    public static let progressTokenKey = "progressToken"

    public var version: ProtocolVersion
    public var clientCapabilities: JSONObject
    public var clientInfo: JSONValue?
    public var logLevel: LogLevel?
    public var progressToken: JSONValue?

    /// True when params carry a 2026 envelope (used to lock a stdio connection's era).
    public static func isEnveloped(_ params: JSONValue?) -> Bool {
        params?["_meta"]?[protocolVersionKey] != nil
    }

    public static func parse(_ params: JSONValue?) -> Result<ModernEnvelope, JSONRPCError> {
        guard case .object(let meta)? = params?["_meta"],
            case .string(let requested)? = meta[protocolVersionKey],
            case .object(let caps)? = meta[clientCapabilitiesKey]
        else {
            return .failure(.invalidParams("params._meta must be an object carrying the required '\(protocolVersionKey)' and '\(clientCapabilitiesKey)' keys"))
        }
        guard let version = ProtocolVersion(rawValue: requested), version.isModern else {
            return .failure(MCPError.unsupportedVersion(requested, supported: ProtocolVersion.modernVersions))
        }
        var logLevel: LogLevel?
        if let raw = meta[logLevelKey] {
            guard let level = raw.stringValue.flatMap(LogLevel.init) else {
                return .failure(.invalidParams("'\(logLevelKey)' must be one of: \(LogLevel.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            logLevel = level
        }
        let token = meta[progressTokenKey]
        if let token, RequestID(token) == nil {
            return .failure(.invalidParams("_meta.progressToken must be a string or an integer"))
        }
        return .success(ModernEnvelope(version: version, clientCapabilities: caps, clientInfo: meta[clientInfoKey], logLevel: logLevel, progressToken: token))
    }
}
