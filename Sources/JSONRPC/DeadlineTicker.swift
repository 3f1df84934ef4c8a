import Synchronization

/// Runs actions when their deadline passes, from one shared ticking task.
///
/// Request timeouts and "still running after N seconds?" checks need a deadline per request. A
/// `Task.sleep` per request looked free but is not: on this toolchain a cancelled sleep keeps its
/// timer until the deadline, so at 14k requests/s with a 5 s deadline ~70k timers were alive and
/// RSS grew by ~150 MB under load (measured on the HTTP endpoint). One ticker with a coarse
/// resolution costs one dictionary entry per pending deadline instead.
public final class DeadlineTicker: Sendable {
    private struct Entry {
        var deadline: ContinuousClock.Instant
        var action: @Sendable () -> Void
    }

    private let state = Mutex<(next: UInt64, entries: [UInt64: Entry])>((0, [:]))
    private let ticker = Mutex<Task<Void, Never>?>(nil)
    public let resolution: Duration

    /// A process-wide ticker at 50 ms for request timeouts: one task however many peers exist.
    public static let shared = DeadlineTicker(resolution: .milliseconds(50))

    public init(resolution: Duration) {
        self.resolution = max(resolution, .milliseconds(5))
        let task = Task.detached { [weak self, resolution = self.resolution] in
            while !Task.isCancelled {
                try? await Task.sleep(for: resolution)
                guard let self else { return }
                self.fireDue()
            }
        }
        ticker.withLock { $0 = task }
    }

    deinit { stop() }

    public func stop() { ticker.withLock { $0 }?.cancel() }

    /// Schedules `action` to run once, no earlier than `delay` from now (within one resolution).
    public func schedule(after delay: Duration, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        state.withLock { s in
            s.next += 1
            s.entries[s.next] = Entry(deadline: .now + delay, action: action)
            return s.next
        }
    }

    public func cancel(_ id: UInt64) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    public var pendingCount: Int { state.withLock { $0.entries.count } }

    private func fireDue() {
        let now = ContinuousClock.now
        let due = state.withLock { s -> [@Sendable () -> Void] in
            var actions: [@Sendable () -> Void] = []
            for (id, e) in s.entries where e.deadline <= now {
                actions.append(e.action)
                s.entries[id] = nil
            }
            return actions
        }
        for a in due { a() }
    }
}
