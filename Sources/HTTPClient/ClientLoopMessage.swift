/// Everything another thread can ask of the client's event loop, delivered through its inbox.
///
/// Why values and ids: the inbox is the only door into the loop thread, so whatever crosses it
/// is Sendable; exchanges and connections are named by id, and a message for one that has gone
/// is simply dropped.
enum ClientLoopMessage: Sendable {
    /// A new request to route to a pooled or new connection.
    case submit(PreparedRequest)
    /// The consumer drained a paused body: read that exchange's socket again.
    case resume(exchangeID: UInt64)
    /// The consumer cancelled or dropped the exchange: close its connection (never pool it).
    case abort(exchangeID: UInt64)
    /// A resolver thread finished looking up a connection's host.
    case resolved(connectionID: UInt64, Result<[String], HTTPClientError>)
    /// Fail everything pending with `shutdown`, close every socket, leave the loop.
    case stop
}
