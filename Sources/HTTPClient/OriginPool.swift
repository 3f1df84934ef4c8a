/// The connections and waiting requests of one origin.
///
/// Why per origin: keep-alive connections can only be reused for the same scheme, host and
/// port, and the connection limit is per origin so one slow upstream cannot take every socket.
/// Loop-confined, like everything it holds.
final class OriginPool {
    /// Idle keep-alive connections, most recently used last (reused first: warm, least likely
    /// to have hit the server's idle timeout).
    var idle: [ClientConnection] = []
    /// Connections that exist for this origin in any phase (resolving, connecting, active, idle).
    var open = 0
    /// Requests waiting for a connection, in arrival order (a retry goes first).
    var waiters: [LoopExchange] = []

    var isUnused: Bool { open == 0 && idle.isEmpty && waiters.isEmpty }
}
