/// The one table of MCP methods: who sends each, in which revisions it exists, and the properties
/// that drive generic behaviour (caching, pagination, multi-round-trip, HTTP routing names).
///
/// The server's dispatcher and the HTTP layer both read this table; nothing else decides whether a
/// method exists in a version. A method absent from the table, or absent in the request's version,
/// is answered with −32601.
public struct MCPMethod: Sendable, Hashable {
    public enum Kind: Sendable { case request, notification }
    public enum Direction: Sendable { case clientToServer, serverToClient, both }

    public let name: String
    public let kind: Kind
    public let direction: Direction
    /// First and last revision (inclusive) that define the method.
    public let introduced: ProtocolVersion
    public let removed: ProtocolVersion?
    /// 2026: complete results carry `ttlMs` and `cacheScope`.
    public let cacheable: Bool
    /// Takes `cursor`, returns `nextCursor`.
    public let paginated: Bool
    /// 2026: may answer with an `input_required` result.
    public let multiRoundTrip: Bool
    /// The params member mirrored in the HTTP `Mcp-Name` header (2026), if any.
    public let nameParameter: String?

    public func exists(in version: ProtocolVersion) -> Bool {
        version >= introduced && (removed.map { version < $0 } ?? true)
    }

    init(_ name: String, _ kind: Kind, _ direction: Direction, since: ProtocolVersion = .v2024_11_05,
         removedIn: ProtocolVersion? = nil, cacheable: Bool = false, paginated: Bool = false,
         mrtr: Bool = false, nameParameter: String? = nil)
    {
        self.name = name
        self.kind = kind
        self.direction = direction
        self.introduced = since
        self.removed = removedIn
        self.cacheable = cacheable
        self.paginated = paginated
        self.multiRoundTrip = mrtr
        self.nameParameter = nameParameter
    }
}

extension MCPMethod {
    public static let initialize = "initialize"
    public static let initialized = "notifications/initialized"
    public static let ping = "ping"
    public static let discover = "server/discover"
    public static let toolsList = "tools/list"
    public static let toolsCall = "tools/call"
    public static let promptsList = "prompts/list"
    public static let promptsGet = "prompts/get"
    public static let resourcesList = "resources/list"
    public static let resourcesTemplatesList = "resources/templates/list"
    public static let resourcesRead = "resources/read"
    public static let resourcesSubscribe = "resources/subscribe"
    public static let resourcesUnsubscribe = "resources/unsubscribe"
    public static let completionComplete = "completion/complete"
    public static let loggingSetLevel = "logging/setLevel"
    public static let subscriptionsListen = "subscriptions/listen"
    public static let cancelled = "notifications/cancelled"
    public static let progress = "notifications/progress"
    public static let message = "notifications/message"
    public static let toolsListChanged = "notifications/tools/list_changed"
    public static let promptsListChanged = "notifications/prompts/list_changed"
    public static let resourcesListChanged = "notifications/resources/list_changed"
    public static let resourcesUpdated = "notifications/resources/updated"
    public static let subscriptionsAcknowledged = "notifications/subscriptions/acknowledged"
    public static let elicitationCreate = "elicitation/create"
    public static let samplingCreateMessage = "sampling/createMessage"
    public static let rootsList = "roots/list"
    public static let rootsListChanged = "notifications/roots/list_changed"
    public static let elicitationComplete = "notifications/elicitation/complete"
    /// The Tasks extension (`io.modelcontextprotocol/tasks`, 2026 only).
    public static let tasksGet = "tasks/get"
    public static let tasksUpdate = "tasks/update"
    public static let tasksCancel = "tasks/cancel"
    public static let tasksStatus = "notifications/tasks"

    private static let modern = ProtocolVersion.v2026_07_28

    /// Every method, once.
    public static let table: [MCPMethod] = [
        // name                          kind           direction        since          removed
        MCPMethod(initialize, .request, .clientToServer, removedIn: modern),
        MCPMethod(initialized, .notification, .clientToServer, removedIn: modern),
        MCPMethod(ping, .request, .both, removedIn: modern),
        MCPMethod(discover, .request, .clientToServer, since: modern, cacheable: true),
        MCPMethod(toolsList, .request, .clientToServer, cacheable: true, paginated: true),
        MCPMethod(toolsCall, .request, .clientToServer, mrtr: true, nameParameter: "name"),
        MCPMethod(promptsList, .request, .clientToServer, cacheable: true, paginated: true),
        MCPMethod(promptsGet, .request, .clientToServer, mrtr: true, nameParameter: "name"),
        MCPMethod(resourcesList, .request, .clientToServer, cacheable: true, paginated: true),
        MCPMethod(resourcesTemplatesList, .request, .clientToServer, cacheable: true, paginated: true),
        MCPMethod(resourcesRead, .request, .clientToServer, cacheable: true, mrtr: true, nameParameter: "uri"),
        MCPMethod(resourcesSubscribe, .request, .clientToServer, removedIn: modern),
        MCPMethod(resourcesUnsubscribe, .request, .clientToServer, removedIn: modern),
        MCPMethod(completionComplete, .request, .clientToServer),
        MCPMethod(loggingSetLevel, .request, .clientToServer, removedIn: modern),
        MCPMethod(subscriptionsListen, .request, .clientToServer, since: modern),
        MCPMethod(cancelled, .notification, .both),
        MCPMethod(progress, .notification, .both),
        MCPMethod(message, .notification, .serverToClient),
        MCPMethod(toolsListChanged, .notification, .serverToClient),
        MCPMethod(promptsListChanged, .notification, .serverToClient),
        MCPMethod(resourcesListChanged, .notification, .serverToClient),
        MCPMethod(resourcesUpdated, .notification, .serverToClient),
        MCPMethod(subscriptionsAcknowledged, .notification, .serverToClient, since: modern),
        MCPMethod(elicitationCreate, .request, .serverToClient, since: .v2025_06_18, removedIn: modern),
        MCPMethod(samplingCreateMessage, .request, .serverToClient, removedIn: modern),
        MCPMethod(rootsList, .request, .serverToClient, removedIn: modern),
        MCPMethod(rootsListChanged, .notification, .clientToServer, removedIn: modern),
        MCPMethod(elicitationComplete, .notification, .serverToClient, since: .v2025_11_25, removedIn: modern),
        MCPMethod(tasksGet, .request, .clientToServer, since: modern, nameParameter: "taskId"),
        MCPMethod(tasksUpdate, .request, .clientToServer, since: modern, nameParameter: "taskId"),
        MCPMethod(tasksCancel, .request, .clientToServer, since: modern, nameParameter: "taskId"),
        MCPMethod(tasksStatus, .notification, .serverToClient, since: modern),
    ]

    private static let byName: [String: MCPMethod] = Dictionary(uniqueKeysWithValues: table.map { ($0.name, $0) })

    public static func named(_ name: String) -> MCPMethod? { byName[name] }

    /// True when `name` is a client→server request that exists in `version`.
    public static func isServerRequest(_ name: String, in version: ProtocolVersion) -> Bool {
        guard let m = byName[name], m.kind == .request, m.direction != .serverToClient else { return false }
        return m.exists(in: version)
    }
}
