// ListenRenewal: keeps a 2026 upstream's `subscriptions/listen` open for as long as the
// connection lives. A 2026 server announces list changes only on that stream, and it does not
// replay what it sent while none was open (DIGEST §6: "re-listen and re-fetch lists"), so a
// stream that ends — the server ended it, or the connection under it dropped — leaves the cached
// catalog unwatched: it is dropped at once (a change may have been missed) and the listen is
// opened again, with capped exponential backoff so that a server refusing it is not hammered.

import MCPClient
import Synchronization

/// Watches one upstream's listen and reopens it when it ends on its own.
final class ListenRenewal: Sendable {
    /// What the renewal needs from the upstream that owns the listen.
    struct Host: Sendable {
        /// Whether `subscription` is still the upstream's listen: false once the upstream let it
        /// go (stopped, reconnected, its child died), which is when the renewal stops too.
        var isCurrent: @Sendable (_ subscription: MCPSubscription) -> Bool
        /// The listen ended on its own: forget the cached lists and tell whoever listens to us.
        var ended: @Sendable () -> Void
        /// Puts `next` in the place of `previous`; false (and nothing changed) when `previous`
        /// is no longer current.
        var replace: @Sendable (_ previous: MCPSubscription, _ next: MCPSubscription) -> Bool

        /// The host of an upstream that keeps its listen in one slot of its state: `withSlot`
        /// runs its argument on that slot under the upstream's lock (false once the upstream is
        /// gone); the listen is current while it is the one in the slot.
        static func slot(_ withSlot: @escaping @Sendable (_ body: (inout MCPSubscription?) -> Bool) -> Bool,
                         ended: @escaping @Sendable () -> Void) -> Host {
            Host(
                isCurrent: { subscription in withSlot { $0 === subscription } },
                ended: ended,
                replace: { previous, next in
                    withSlot { slot in
                        guard slot === previous else { return false }
                        slot = next
                        return true
                    }
                })
        }
    }

    /// The wait before the first attempt to listen again, doubled after each fruitless one.
    let initialDelay: Duration
    /// The longest wait between attempts; a listen that lasted this long resets the backoff.
    let maxDelay: Duration
    /// How long the server may take to acknowledge a new listen.
    let acknowledgementTimeout: Duration
    private let watcher = Mutex<Task<Void, Never>?>(nil)

    init(initialDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(30), acknowledgementTimeout: Duration = .seconds(20)) {
        self.initialDelay = initialDelay
        self.maxDelay = max(initialDelay, maxDelay)
        self.acknowledgementTimeout = acknowledgementTimeout
    }

    deinit {
        watcher.withLock { $0?.cancel() }
    }

    /// Starts watching `subscription`, a listen open on `client`; replaces any earlier watch.
    func watch(_ subscription: MCPSubscription, on client: MCPClient, host: Host) {
        let task = Task { [initialDelay, maxDelay, acknowledgementTimeout] in
            var current = subscription
            var attempts = 0
            while !Task.isCancelled {
                let opened = ContinuousClock.now
                _ = await current.ended()
                // Ended by its owner (shutdown, reconnect) or with the connection, whose restart
                // or reconnection lists the tools again anyway.
                guard !Task.isCancelled, host.isCurrent(current), client.closedReason == nil else { return }
                host.ended()
                if ContinuousClock.now - opened >= maxDelay { attempts = 0 }
                while true {
                    let delay = Self.delay(after: attempts, initial: initialDelay, max: maxDelay)
                    attempts += 1
                    do { try await Task.sleep(for: delay) } catch { return }
                    guard host.isCurrent(current), client.closedReason == nil else { return }
                    guard let next = try? await client.listen(toolsChanged: true, timeout: acknowledgementTimeout) else { continue }
                    guard !Task.isCancelled, host.replace(current, next) else {
                        next.cancel()
                        return
                    }
                    current = next
                    break
                }
            }
        }
        let previous = watcher.withLock { watcher -> Task<Void, Never>? in
            defer { watcher = task }
            return watcher
        }
        previous?.cancel()
    }

    /// Stops watching (the upstream is shutting down or let its listen go).
    func stop() {
        watcher.withLock { watcher -> Task<Void, Never>? in
            defer { watcher = nil }
            return watcher
        }?.cancel()
    }

    /// `initial` doubled `attempts` times, at most `max`.
    static func delay(after attempts: Int, initial: Duration, max limit: Duration) -> Duration {
        var delay = initial
        for _ in 0..<min(attempts, 32) where delay < limit { delay *= 2 }
        return min(delay, limit)
    }
}
