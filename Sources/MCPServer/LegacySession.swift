import JSON
import MCP
import Synchronization

/// What the `initialize` handshake established for one legacy connection (a stdio process or an
/// HTTP session): the negotiated version, the client's capabilities, its log level and the
/// resources it subscribed to.
public final class LegacySession: Sendable {
    struct State {
        var version: ProtocolVersion?
        var clientCapabilities: JSONObject = [:]
        var clientInfo: JSONValue?
        /// nil until `logging/setLevel`: then every level is sent, as the SDKs do.
        var logLevel: LogLevel?
        var subscriptions: Set<String> = []
        var initialized = false
    }

    private let state = Mutex(State())

    public init() {}

    public var version: ProtocolVersion? { state.withLock { $0.version } }
    public var isInitialized: Bool { state.withLock { $0.initialized } }
    public var clientCapabilities: JSONObject { state.withLock { $0.clientCapabilities } }
    public var clientInfo: JSONValue? { state.withLock { $0.clientInfo } }
    public var logThreshold: LogLevel { state.withLock { $0.logLevel ?? .debug } }

    /// What a request's context takes from the session, read under one lock instead of four;
    /// nil before the handshake.
    var requestView: (version: ProtocolVersion, capabilities: JSONObject, clientInfo: JSONValue?, logThreshold: LogLevel)? {
        state.withLock { s in s.version.map { ($0, s.clientCapabilities, s.clientInfo, s.logLevel ?? .debug) } }
    }

    func begin(version: ProtocolVersion, capabilities: JSONObject, clientInfo: JSONValue?) {
        state.withLock {
            $0.version = version
            $0.clientCapabilities = capabilities
            $0.clientInfo = clientInfo
        }
    }

    public func markInitialized() { state.withLock { $0.initialized = true } }
    func setLogLevel(_ level: LogLevel) { state.withLock { $0.logLevel = level } }
    func subscribe(_ uri: String) { _ = state.withLock { $0.subscriptions.insert(uri) } }
    func unsubscribe(_ uri: String) { _ = state.withLock { $0.subscriptions.remove(uri) } }
    public func isSubscribed(_ uri: String) -> Bool { state.withLock { $0.subscriptions.contains(uri) } }
}
