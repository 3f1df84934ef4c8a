/// Keeps one child process running for a launch spec: starts it, restarts it with backoff when
/// it exits unexpectedly, gives up on a crash loop, and stops it cleanly.
///
/// Why this shape: every decision is made by one loop task that owns all the state
/// (`SupervisorLoop`) and receives messages — commands from these methods, and events from
/// child-exit watchers, start hooks and timers — through one `AsyncStream` mailbox. There are no
/// locks around the restart logic and no interleaving to reason about: a late event from a
/// previous child is recognised by its epoch and dropped. The public class holds only the
/// mailbox, the health broadcast and the current child, and the loop does not reference it, so
/// dropping the last reference finishes the mailbox and the loop stops the child.
///
/// Health goes `.down("not started")` → `start()` → `.starting` → (`onStart` succeeded) `.up` →
/// (exit) `.degraded("… restart 1 in 100 ms")` → `.starting` … → (crash loop) `.down` → (`reset()`
/// or cooldown) `.starting`; `stop()` → `.down("stopped")`.
public final class Supervisor: Sendable {
    /// A name for messages ("time", the upstream's id).
    public let name: String
    private let mailbox: AsyncStream<SupervisorLoop.Message>.Continuation
    private let broadcast: HealthBroadcast
    private let current: ChildSlot

    /// - Parameter prepare: builds the spec again before every start (a restart included), e.g. to
    ///   put the current value of a rotated secret in the environment; `spec` serves until then.
    ///   A throw is a failed start, its message the reason.
    public init(
        name: String, spec: LaunchSpec, policy: RestartPolicy = RestartPolicy(), stopGrace: Duration = .seconds(2),
        hooks: Hooks = Hooks(), prepare: (@Sendable () throws -> LaunchSpec)? = nil
    ) {
        self.name = name
        let (stream, mailbox) = AsyncStream.makeStream(of: SupervisorLoop.Message.self)
        let broadcast = HealthBroadcast(.down(reason: "not started", since: .now))
        let current = ChildSlot()
        self.mailbox = mailbox
        self.broadcast = broadcast
        self.current = current
        let settings = SupervisorLoop.Settings(
            spec: spec, prepare: prepare, policy: policy, stopGrace: stopGrace, hooks: hooks, broadcast: broadcast, mailbox: mailbox)
        Task.detached {
            let loop = SupervisorLoop(settings: settings) { child in current.child = child }
            await loop.run(stream)
        }
    }

    deinit {
        mailbox.finish()
    }

    /// Starts supervising (spawns the child). Ignored unless stopped or never started.
    public func start() {
        mailbox.yield(.start)
    }

    /// Stops supervising: cancels any scheduled restart and runs the child's shutdown sequence
    /// (close stdin, wait, SIGTERM its group, wait, SIGKILL its group, reap). Returns once the
    /// child is reaped; nothing of its process group is left. A start hook still running is
    /// cancelled. `start()` may follow.
    public func stop() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            if case .terminated = mailbox.yield(.stop(done)) { done.resume() }
        }
    }

    /// Forgets the failure history; a supervisor that is down after a crash loop (or waiting to
    /// restart) starts the child now.
    public func reset() {
        mailbox.yield(.reset)
    }

    /// Lets the layer above mark a running child unhealthy (a failed ping, say): `.degraded`.
    public func reportDegraded(_ reason: String) {
        mailbox.yield(.report(degraded: reason))
    }

    /// Clears `reportDegraded`: back to `.up` with the original start time.
    public func reportRecovered() {
        mailbox.yield(.report(degraded: nil))
    }

    /// The health now.
    public var health: Health { broadcast.current }

    /// The current health, then every change.
    public func healthUpdates() -> AsyncStream<Health> {
        broadcast.subscribe()
    }

    /// The running child, if any (set while starting and up).
    public var child: ChildProcess? { current.child }
}
