import HTTPServer
import JSON
import JSONRPC
import MCP

/// Checks the 2026 routing headers against the body, which stays authoritative.
///
/// Intermediaries route on `Mcp-Method`, `Mcp-Name` and `Mcp-Param-*` without parsing bodies, so a
/// header that disagrees with the body is a request smuggling attempt as far as we can tell:
/// every mismatch, omission or duplicate is −32020 (HTTP 400).
enum RoutingHeaders {
    static func validate(_ http: HTTPRequest, _ rpc: JSONRPCRequest, envelopeVersion: String?, toolSchema: (String) -> JSONValue?) -> JSONRPCError? {
        for name in ["mcp-protocol-version", "mcp-method", "mcp-name"] where http.headers.values(name).count > 1 {
            return MCPError.headerMismatch("Header mismatch: \(name) appears more than once")
        }
        guard let version = http.headers["mcp-protocol-version"] else {
            return MCPError.headerMismatch("Header mismatch: the MCP-Protocol-Version header is required")
        }
        if let envelopeVersion, version != envelopeVersion {
            return MCPError.headerMismatch("Header mismatch: MCP-Protocol-Version '\(version)' differs from _meta protocolVersion '\(envelopeVersion)'")
        }
        guard let method = http.headers["mcp-method"] else {
            return MCPError.headerMismatch("Header mismatch: the Mcp-Method header is required")
        }
        guard method == rpc.method else {
            return MCPError.headerMismatch("Header mismatch: Mcp-Method '\(method)' differs from the body method '\(rpc.method)'")
        }
        let params = rpc.paramsObject
        if let key = MCPMethod.named(rpc.method)?.nameParameter {
            let bodyName = params[key]?.stringValue
            switch (http.headers["mcp-name"], bodyName) {
            case (nil, nil): break
            case (nil, .some):
                return MCPError.headerMismatch("Header mismatch: the Mcp-Name header is required for \(rpc.method)")
            case (.some(let raw), let body):
                guard let decoded = HeaderValue.decode(raw) else { return MCPError.headerMismatch("Header mismatch: Mcp-Name is not a valid encoded value") }
                if decoded != body { return MCPError.headerMismatch("Header mismatch: Mcp-Name differs from params.\(key)") }
            }
        }
        if rpc.method == MCPMethod.toolsCall, let name = params["name"]?.stringValue, let schema = toolSchema(name) {
            return validateParams(http, arguments: params["arguments"]?.objectValue ?? [:], schema: schema)
        }
        return nil
    }

    /// `x-mcp-header` properties: a non-null argument needs its `Mcp-Param-<Name>` header with an
    /// equal value; an absent or null argument must not have one.
    static func validateParams(_ http: HTTPRequest, arguments: JSONObject, schema: JSONValue) -> JSONRPCError? {
        guard let properties = schema["properties"]?.objectValue else { return nil }
        for (property, definition) in properties {
            guard let headerName = definition["x-mcp-header"]?.stringValue else { continue }
            let field = "mcp-param-" + headerName.lowercased()
            let values = http.headers.values(field)
            if values.count > 1 { return MCPError.headerMismatch("Header mismatch: Mcp-Param-\(headerName) appears more than once") }
            let argument = arguments[property]
            if argument == nil || argument == .null {
                if !values.isEmpty { return MCPError.headerMismatch("Header mismatch: Mcp-Param-\(headerName) sent for an absent argument") }
                continue
            }
            guard let raw = values.first, let decoded = HeaderValue.decode(raw) else {
                return MCPError.headerMismatch("Header mismatch: the Mcp-Param-\(headerName) header is required")
            }
            let equal: Bool
            switch argument! {
            case .string(let s): equal = decoded == s
            case .int(let i): equal = Int64(decoded) == i
            case .double(let d): equal = Double(decoded) == d
            case .bool(let b): equal = decoded == (b ? "true" : "false")
            default: equal = true
            }
            if !equal { return MCPError.headerMismatch("Header mismatch: Mcp-Param-\(headerName) differs from arguments.\(property)") }
        }
        return nil
    }
}
