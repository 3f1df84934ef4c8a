// SessionSignals: one ChangeSignal per session with a reader or a waiting driver in this
// process. Every event the runtime appends fires its session's signal (in-process readers see it
// at once); the ticker fires every signal somebody waits on at each tick, which is how changes
// made by another process (a decision from `agentbridge approvals decide`, an append by another
// runtime) are noticed. Signals are counted in and out so idle sessions cost nothing.

import Synchronization

/// Change signals by session id.
final class SessionSignals: Sendable {
    private let signals = Mutex<[String: (signal: ChangeSignal, users: Int)]>([:])

    /// The signal of `sessionID`, kept until the matching `release`.
    func acquire(_ sessionID: String) -> ChangeSignal {
        signals.withLock { map in
            if let entry = map[sessionID] {
                map[sessionID] = (entry.signal, entry.users + 1)
                return entry.signal
            }
            let signal = ChangeSignal()
            map[sessionID] = (signal, 1)
            return signal
        }
    }

    func release(_ sessionID: String) {
        signals.withLock { map in
            guard let entry = map[sessionID] else { return }
            map[sessionID] = entry.users > 1 ? (entry.signal, entry.users - 1) : nil
        }
    }

    /// Wakes whoever follows `sessionID` (after an append by this process).
    func fire(_ sessionID: String) {
        signals.withLock { $0[sessionID]?.signal }?.fire()
    }

    /// Wakes every waiter of every session (the ticker's slow poll).
    func fireWaited() {
        let waited = signals.withLock { map in map.values.map(\.signal).filter(\.hasWaiters) }
        for signal in waited { signal.fire() }
    }
}
