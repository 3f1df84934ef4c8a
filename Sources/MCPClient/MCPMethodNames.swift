import MCP

/// Small lookups on the shared method table that only the client needs.
enum MCPMethodNames {
    /// The params member mirrored into `Mcp-Name` for `method`, if any.
    static func nameParameter(of method: String) -> String? {
        MCPMethod.named(method)?.nameParameter
    }

    /// Whether `method` exists in `version` (unknown methods are let through: a server may offer
    /// methods our table does not know).
    static func exists(_ method: String, in version: ProtocolVersion) -> Bool {
        MCPMethod.named(method)?.exists(in: version) ?? true
    }

    /// The methods that may answer with `input_required` (2026).
    static func isMultiRoundTrip(_ method: String) -> Bool {
        MCPMethod.named(method)?.multiRoundTrip ?? false
    }
}
