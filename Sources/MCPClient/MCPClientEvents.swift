import JSON
import MCP

/// What the server tells the client outside of request/response, and who answers its questions.
///
/// Callbacks run on the transport's delivery thread in arrival order; keep them short (hand work
/// to a task). Every member is optional.
public struct MCPClientEvents: Sendable {
    /// Which list changed.
    public enum ListKind: String, Sendable, Hashable {
        case tools, prompts, resources
    }

    /// `notifications/{tools,prompts,resources}/list_changed`, from a legacy connection or a 2026
    /// `subscriptions/listen` stream.
    public var listChanged: (@Sendable (ListKind) -> Void)?
    /// `notifications/resources/updated` (the URI).
    public var resourceUpdated: (@Sendable (String) -> Void)?
    /// `notifications/message`.
    public var log: (@Sendable (MCPLogMessage) -> Void)?
    /// Elicitation, sampling and roots requests, in both eras.
    public var inputProvider: MCPInputProvider?
    /// Frames the server sent that we could not use (bad JSON, wrong shape, unknown notifications
    /// are not reported). Useful for diagnostics; the connection keeps going.
    public var protocolViolation: (@Sendable (String) -> Void)?
    /// The connection ended (with the reason).
    public var closed: (@Sendable (String) -> Void)?

    public init(listChanged: (@Sendable (ListKind) -> Void)? = nil, resourceUpdated: (@Sendable (String) -> Void)? = nil,
                log: (@Sendable (MCPLogMessage) -> Void)? = nil, inputProvider: MCPInputProvider? = nil,
                protocolViolation: (@Sendable (String) -> Void)? = nil, closed: (@Sendable (String) -> Void)? = nil)
    {
        self.listChanged = listChanged
        self.resourceUpdated = resourceUpdated
        self.log = log
        self.inputProvider = inputProvider
        self.protocolViolation = protocolViolation
        self.closed = closed
    }
}

/// One `notifications/message`.
public struct MCPLogMessage: Sendable, Hashable {
    /// The level as sent (an RFC 5424 name); `level` parses it.
    public var levelName: String
    public var logger: String?
    public var data: JSONValue

    public var level: LogLevel? { LogLevel(rawValue: levelName) }

    public init(levelName: String, logger: String?, data: JSONValue) {
        self.levelName = levelName
        self.logger = logger
        self.data = data
    }
}

/// One `notifications/progress` for a call that asked for progress.
public struct MCPProgress: Sendable, Hashable {
    public var progress: Double
    public var total: Double?
    public var message: String?

    public init(progress: Double, total: Double? = nil, message: String? = nil) {
        self.progress = progress
        self.total = total
        self.message = message
    }
}
