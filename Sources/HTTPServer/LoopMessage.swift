/// Everything another thread can ask of an event loop, delivered through its inbox.
///
/// Why an enum of values: the inbox is the only cross-thread door into a loop, so whatever
/// crosses it must be Sendable; connections are named by id, never by reference, and a message
/// for a connection that has gone is simply dropped.
enum LoopMessage: Sendable {
    /// The acceptor hands over a new connection.
    case adopt(fd: Int32, remote: String)
    /// A handler's response (head, plus the body for `.bytes`).
    case response(UInt64, HTTPResponse)
    /// One streamed body write.
    case chunk(UInt64, [UInt8])
    /// The stream body closure returned.
    case end(UInt64)
    /// Close the listeners (loop 0), then fire.
    case stopAccepting(OneShot)
    /// Close idle connections and close the others after their current response.
    case drain
    /// Close everything and leave the loop.
    case stop
    /// A job of a handler Task that prefers this loop as its executor (`handlersOnLoops`).
    case job(UnownedJob)
    /// Work for the end of the loop's current round (`RoundEndScheduling`), from another thread.
    case atRoundEnd(@Sendable () -> Void)
    /// Watch a descriptor for readability (`ReadinessSource`), under the given tag.
    case watch(fd: Int32, tag: UInt64, handler: @Sendable (ReadinessEvent) -> Void)
    /// Stop watching the descriptor of that tag.
    case unwatch(tag: UInt64)
}
