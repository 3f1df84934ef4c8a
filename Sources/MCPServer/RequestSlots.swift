import Dispatch
import Synchronization

/// The bound on requests running at once for a transport that reads on its own thread (stdio):
/// `take` blocks that thread while every slot is used, so a client that floods requests is slowed
/// down instead of growing our memory.
///
/// A request that is waiting for the client's answer to a question of ours (handshake-era
/// elicitation, sampling, roots) lends its slot back while it waits: the answer arrives on the
/// very stream the blocked reader would have to read, so counting such requests would let a
/// client that asks for as many of them as there are slots stop the connection until the
/// questions time out. Taking the slot back afterwards never blocks; the count may then exceed
/// the bound for a moment, and the reader waits until it is below again.
final class RequestSlots: Sendable {
    private let limit: Int
    private let state = Mutex<(used: Int, readerWaiting: Bool)>((0, false))
    private let wake = DispatchSemaphore(value: 0)

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a slot, waiting while none is free. One thread at a time (the reader).
    func take() {
        while true {
            let taken = state.withLock { s -> Bool in
                if s.used < limit {
                    s.used += 1
                    return true
                }
                s.readerWaiting = true
                return false
            }
            if taken { return }
            wake.wait()
        }
    }

    /// Frees a slot (a request finished, or started waiting for the client).
    func free() {
        let wakeReader = state.withLock { s -> Bool in
            s.used -= 1
            guard s.readerWaiting, s.used < limit else { return false }
            s.readerWaiting = false
            return true
        }
        if wakeReader { wake.signal() }
    }

    /// Takes a lent slot back, without waiting.
    func reclaim() {
        state.withLock { $0.used += 1 }
    }

    /// Runs `body` — a wait for the client — with the caller's slot lent back.
    func lending<T, E: Error>(_ body: () async throws(E) -> T) async throws(E) -> T {
        free()
        defer { reclaim() }
        return try await body()
    }
}
