/// The two ways a client opens an MCP conversation, both measured for every server that has them.
enum Era: String, CaseIterable, Sendable {
    /// 2026-07-28: no handshake; every request carries the `_meta` envelope (and, over HTTP, the
    /// routing headers).
    case modern
    /// 2025-11-25: `initialize` + `notifications/initialized` first (and, over HTTP, a session).
    case legacy

    var protocolVersion: String { self == .modern ? "2026-07-28" : "2025-11-25" }

    /// The `_meta` envelope of a 2026-07-28 request (a JSON member, without braces).
    static let envelope = #""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"agentbridge-bench","version":"1.0"}}"#

    /// The params members of `tools/call echo {"text":"hello"}` in this era.
    var echoParams: String {
        let call = #""name":"echo","arguments":{"text":"hello"}"#
        return self == .modern ? call + "," + Self.envelope : call
    }

    /// The params members of `tools/list` in this era.
    var listParams: String { self == .modern ? Self.envelope : "" }

    /// The handshake-era opening request.
    static let initialize = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"agentbridge-bench","version":"1.0"}}}"#
    static let initialized = #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#
}
