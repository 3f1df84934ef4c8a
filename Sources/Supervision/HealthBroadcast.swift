import Synchronization

/// The current health plus every subscriber's stream.
///
/// Why: any number of observers (the readiness endpoint, the gateway's catalog, tests) watch
/// one supervisor; each gets the current value first, then every change, from a bounded buffer
/// so a slow observer costs memory for at most the newest 64 values.
final class HealthBroadcast: Sendable {
    private struct State {
        var current: Supervisor.Health
        var subscribers: [UInt64: AsyncStream<Supervisor.Health>.Continuation] = [:]
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    init(_ initial: Supervisor.Health) {
        state = Mutex(State(current: initial))
    }

    var current: Supervisor.Health { state.withLock { $0.current } }

    func publish(_ health: Supervisor.Health) {
        state.withLock { s in
            guard s.current != health else { return }
            s.current = health
            for subscriber in s.subscribers.values { subscriber.yield(health) }
        }
    }

    func subscribe() -> AsyncStream<Supervisor.Health> {
        let (stream, continuation) = AsyncStream.makeStream(of: Supervisor.Health.self, bufferingPolicy: .bufferingNewest(64))
        let id: UInt64 = state.withLock { s in
            let id = s.nextID
            s.nextID += 1
            s.subscribers[id] = continuation
            continuation.yield(s.current)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every subscriber's stream.
    func finish() {
        let subscribers = state.withLock { s in
            defer { s.subscribers.removeAll() }
            return Array(s.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}
