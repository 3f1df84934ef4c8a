/// What a readiness source says about a watched descriptor.
public enum ReadinessEvent: Sendable {
    /// There are bytes to read (or end of file). Level-triggered: said again after every round
    /// until the descriptor has been read dry.
    case readable
    /// The source stopped (or could not watch this descriptor) before the watch was cancelled;
    /// it says nothing more, and the owner must read by other means.
    case detached
}

/// Something that can tell an owner of a descriptor when it is readable, on the source's own
/// thread: an HTTP server's event loop.
///
/// Why: a gateway's HTTP calls go upstream through a pipe, and a reader thread on that pipe
/// costs a thread wake-up and a hand-over to the loop for every answer. Read by the loop that
/// serves the callers, an answer is read, shaped and sent in one wake-up of one thread.
///
/// The owner's handler runs on that thread between the loop's other work, so it must never
/// block: it reads what is there (the descriptor is non-blocking) and returns.
public protocol ReadinessSource: Sendable {
    /// Calls `handler` on the source's thread whenever `fd` is readable, until the returned
    /// watch is cancelled; `.detached` once if the source stops first. Nil when the source cannot
    /// watch now (not running); `.detached` if it cannot watch this descriptor.
    func watchReadable(_ fd: Int32, _ handler: @escaping @Sendable (ReadinessEvent) -> Void) -> ReadinessWatch?
}

/// One watched descriptor.
public final class ReadinessWatch: Sendable {
    private let cancelBody: @Sendable () -> Void
    private let scheduleBody: @Sendable (@escaping @Sendable () -> Void) -> Void

    init(cancel: @escaping @Sendable () -> Void, schedule: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void) {
        cancelBody = cancel
        scheduleBody = schedule
    }

    /// Stops the handler's calls. On the source's thread this takes effect at once (the owner
    /// may close the descriptor right after); from another thread, before the source's next
    /// round — so close the descriptor only from the source's thread.
    public func cancel() { cancelBody() }

    /// Runs `body` on the source's thread soon (at the end of its current round), for work the
    /// handler's thread must do that no readiness will prompt.
    public func schedule(_ body: @escaping @Sendable () -> Void) { scheduleBody(body) }
}
