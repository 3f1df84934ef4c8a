/// The reserved `_meta` keys of the 2026 envelope (DIGEST §2.1), as the client writes and reads them.
enum MCPMetaKey {
    static let protocolVersion = "io.modelcontextprotocol/protocolVersion"
    static let clientCapabilities = "io.modelcontextprotocol/clientCapabilities"
    static let clientInfo = "io.modelcontextprotocol/clientInfo"
    static let logLevel = "io.modelcontextprotocol/logLevel"
    static let subscriptionID = "io.modelcontextprotocol/subscriptionId"
    static let serverInfo = "io.modelcontextprotocol/serverInfo"
    static let progressToken = "progressToken"
}
