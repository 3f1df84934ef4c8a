import Synchronization

/// What every loop of one server shares: settings, the handler and the global connection count.
///
/// Why a separate object: loops must not reference the public `HTTPServer` (it owns them), and
/// the connection limit spans all loops, so its counter lives here.
final class ServerCore: Sendable {
    let settings: LoopSettings
    let handler: HTTPHandler
    /// Open connections across all loops (incremented by the acceptor, decremented by the owner).
    let connectionCount = Atomic<Int>(0)

    init(settings: LoopSettings, handler: @escaping HTTPHandler) {
        self.settings = settings
        self.handler = handler
    }
}
