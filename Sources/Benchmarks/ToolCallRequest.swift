/// The typed Codable model of a 2026 `tools/call` request, for the JSONDecoder/JSONEncoder rows.
///
/// Everything MCP fixes is a typed field (envelope, method, tool name, the `_meta` keys with their
/// reverse-DNS names); only what MCP leaves open is generic (`arguments`, client capabilities).
/// The id is a plain integer, which is cheaper for Codable than a real string-or-number id, so
/// if anything this model flatters Codable.
struct ToolCallRequest: Codable, Equatable {
    struct Params: Codable, Equatable {
        var name: String
        var arguments: [String: AnyCodableJSON]
        var meta: Meta

        enum CodingKeys: String, CodingKey {
            case name, arguments
            case meta = "_meta"
        }
    }

    struct Meta: Codable, Equatable {
        var progressToken: Int64?
        var protocolVersion: String
        var clientCapabilities: [String: AnyCodableJSON]
        var clientInfo: ClientInfo
        var logLevel: String?

        enum CodingKeys: String, CodingKey {
            case progressToken
            case protocolVersion = "io.modelcontextprotocol/protocolVersion"
            case clientCapabilities = "io.modelcontextprotocol/clientCapabilities"
            case clientInfo = "io.modelcontextprotocol/clientInfo"
            case logLevel = "io.modelcontextprotocol/logLevel"
        }
    }

    struct ClientInfo: Codable, Equatable {
        var name: String
        var version: String
    }

    var jsonrpc: String
    var id: Int64
    var method: String
    var params: Params
}
