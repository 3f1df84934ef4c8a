/// The two MCP eras a client can end up speaking with a server.
///
/// `modern` is the stateless 2026-07-28 protocol (every request carries its `_meta` envelope);
/// `legacy` is the `initialize` handshake of 2025-11-25 and older. The client decides once per
/// connection (`MCPClient.connect(era:)`) and keeps the answer for the connection's lifetime.
public enum MCPEra: String, Sendable, Hashable, CustomStringConvertible {
    case modern
    case legacy

    public var description: String { rawValue }
}

/// How `MCPClient.connect(era:)` chooses the era.
public enum MCPEraPreference: Sendable, Hashable {
    /// Probe with `server/discover` and fall back to `initialize` (DIGEST §11.1–11.2).
    case auto
    /// Only the 2026 protocol: `server/discover` must succeed.
    case modern
    /// The handshake: `initialize` + `notifications/initialized`, no probe. A server that refuses
    /// the handshake with −32022 naming a 2026 version is modern after all: one
    /// `server/discover` at that version follows.
    case legacy
}
