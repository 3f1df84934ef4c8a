import Synchronization

/// A one-time signal that any number of tasks can await.
///
/// Why: shutdown must wait for loop threads (which are not tasks) to stop accepting, drain and
/// exit; a fired flag plus parked continuations is the smallest bridge from a thread to async code.
/// (`package`: the HTTP client's event loop uses it the same way.)
package final class OneShot: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    package init() {}

    package var isFired: Bool { state.withLock { $0.fired } }

    /// Fires once; later calls do nothing.
    package func fire() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            if s.fired { return [] }
            s.fired = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    package func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if s.fired { return true }
                s.waiters.append(c)
                return false
            }
            if ready { c.resume() }
        }
    }
}
