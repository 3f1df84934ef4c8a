import JSON
import MCP

/// What `connect` settled with the server: the era, the version, and what the server said about
/// itself.
public struct MCPNegotiation: Sendable, Hashable {
    public var era: MCPEra
    public var protocolVersion: ProtocolVersion
    /// The server's `Implementation` object as sent (`serverInfo`; 2026: the discover result's
    /// `_meta` `io.modelcontextprotocol/serverInfo`), nil when the server sent none.
    public var serverInfo: JSONValue?
    /// The server's capabilities as sent.
    public var capabilities: JSONObject
    public var instructions: String?
    /// 2026: `supportedVersions` of the discover result; legacy: the negotiated version.
    public var supportedVersions: [String]
    /// The whole `server/discover` or `initialize` result, unchanged.
    public var rawResult: JSONValue

    public init(era: MCPEra, protocolVersion: ProtocolVersion, serverInfo: JSONValue?, capabilities: JSONObject,
                instructions: String?, supportedVersions: [String], rawResult: JSONValue)
    {
        self.era = era
        self.protocolVersion = protocolVersion
        self.serverInfo = serverInfo
        self.capabilities = capabilities
        self.instructions = instructions
        self.supportedVersions = supportedVersions
        self.rawResult = rawResult
    }

    public var serverName: String? { serverInfo?["name"]?.stringValue }
    public var serverVersion: String? { serverInfo?["version"]?.stringValue }
}
