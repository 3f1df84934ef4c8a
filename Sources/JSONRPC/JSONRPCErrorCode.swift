/// A JSON-RPC error code. Open on purpose: protocols built on JSON-RPC (MCP among them) keep adding
/// codes, and a peer must carry codes it does not know without losing them.
public struct JSONRPCErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ rawValue: Int) { self.rawValue = rawValue }

    public static let parseError = JSONRPCErrorCode(-32700)
    public static let invalidRequest = JSONRPCErrorCode(-32600)
    public static let methodNotFound = JSONRPCErrorCode(-32601)
    public static let invalidParams = JSONRPCErrorCode(-32602)
    public static let internalError = JSONRPCErrorCode(-32603)

    public var description: String { String(rawValue) }
}
