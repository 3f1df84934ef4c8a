import JSON
import MCP

/// How an `MCPClient` introduces itself and how long it waits.
public struct MCPClientConfiguration: Sendable {
    /// `clientInfo` in `initialize` and in every 2026 `_meta` envelope.
    public var clientInfo: Implementation
    /// The client capabilities declared in `initialize` and in every 2026 `_meta` envelope. nil
    /// derives them from the events: with an input provider `elicitation` (form), `sampling` and
    /// `roots`; without one, none. A gateway forwarding its own caller's capabilities sets them.
    public var capabilities: JSONObject?
    /// How long `connect(era: .auto)` waits for the `server/discover` probe before it falls back
    /// to `initialize` (the SDKs use 10 s: some legacy servers never answer an unknown request).
    public var probeTimeout: Duration
    /// Time limit of one request when the call gives none.
    public var requestTimeout: Duration
    /// 2026 `input_required` rounds one call may take before it fails.
    public var maxInputRounds: Int
    /// The 2026 version asked for first.
    public var preferredModernVersion: ProtocolVersion
    /// The handshake version asked for in `initialize` (any handshake version is accepted back).
    public var legacyVersion: ProtocolVersion
    /// Pages `listTools` and friends follow before they decide the server is looping.
    public var maxListPages: Int

    public init(clientInfo: Implementation = Implementation(name: "agentbridge", version: "0.1.0"),
                capabilities: JSONObject? = nil, probeTimeout: Duration = .seconds(10),
                requestTimeout: Duration = .seconds(60), maxInputRounds: Int = 8,
                preferredModernVersion: ProtocolVersion = .latestModern, legacyVersion: ProtocolVersion = .latestLegacy,
                maxListPages: Int = 1000)
    {
        self.clientInfo = clientInfo
        self.capabilities = capabilities
        self.probeTimeout = probeTimeout
        self.requestTimeout = requestTimeout
        self.maxInputRounds = max(1, maxInputRounds)
        self.preferredModernVersion = preferredModernVersion.isModern ? preferredModernVersion : .latestModern
        self.legacyVersion = legacyVersion.isModern ? .latestLegacy : legacyVersion
        self.maxListPages = max(1, maxListPages)
    }
}
