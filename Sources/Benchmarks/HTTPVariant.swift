/// One way to serve MCP over HTTP that the suite measures: a server command line for a port,
/// the era its clients speak, and whether they first open a session.
struct HTTPVariant {
    /// Short label for the tables ("2026-07-28 JSON", "2025-11-25 session").
    var name: String
    var era: Era
    /// Whether a 2025-11-25 client opens a session (`initialize`, then `Mcp-Session-Id` on every request).
    var session: Bool
    /// Not an MCP server (the C responder): no handshake and no answer check.
    var raw = false
    /// Whether the server has the `echo` tool to check it with (the platform surface has not).
    var checksEcho = true
    var path = "/mcp"
    var environment: [String: String] = [:]
    /// The command line serving on 127.0.0.1:port.
    var command: (UInt16) -> [String]
}
