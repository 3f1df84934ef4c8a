internal import CShim
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The one place that reaps a child and the one place that signals its process group.
///
/// Why both live here: a pid (and with it the pgid) can be reused once the child is reaped, so
/// `kill(-pgid)` is only safe while the child is still unreaped. Reaping and signalling share one
/// lock: a signal sent under the lock while `status` is nil provably reaches our group, never a
/// stranger's. Waiters (`wait(timeout:)`) are resumed once, outside the lock.
final class ExitLatch: Sendable {
    private enum Slot {
        case reserved
        case waiting(CheckedContinuation<ExitStatus?, Never>)
    }

    private struct State {
        var status: ExitStatus?
        var waiters: [UInt64: Slot] = [:]
        var nextID: UInt64 = 0
    }

    let pid: Int32
    private let state = Mutex(State())

    init(pid: Int32) {
        self.pid = pid
    }

    /// The status once the child has been reaped.
    var status: ExitStatus? { state.withLock { $0.status } }

    /// Sends `signal` to the child's whole process group if the child has not been reaped yet.
    /// Returns whether it was sent.
    @discardableResult
    func signalGroup(_ signal: Int32) -> Bool {
        state.withLock { s in
            guard s.status == nil else { return false }
            return kill(-pid, signal) == 0
        }
    }

    /// Called by the reaper once the child is expected to have exited (pidfd readable, or waitid
    /// WNOWAIT returned). If it has, SIGKILLs whatever is left of its process group first —
    /// grandchildren must not outlive the child we supervise, and before the reap the pgid is
    /// still ours — then reaps it. Returns false if the child turned out to be still running.
    func reapExited() -> Bool {
        typealias Waiter = CheckedContinuation<ExitStatus?, Never>
        let outcome: (status: ExitStatus, waiters: [Waiter])? = state.withLock { s in
            guard s.status == nil else { return nil }
            var kind: Int32 = 0
            var value: Int32 = 0
            let r = cshim_reap(pid, 1, &kind, &value)
            if r == 0 { return nil }
            let status: ExitStatus = r < 0 ? .unknown : (kind == 2 ? .signaled(value) : .exited(value))
            s.status = status
            var waiters: [Waiter] = []
            for case .waiting(let continuation) in s.waiters.values { waiters.append(continuation) }
            s.waiters.removeAll()
            return (status, waiters)
        }
        guard let outcome else { return status != nil }
        for waiter in outcome.waiters { waiter.resume(returning: outcome.status) }
        return true
    }

    /// Waits for the exit status; nil when `timeout` passes first or the task is cancelled.
    func wait(timeout: Duration?) async -> ExitStatus? {
        let id: UInt64? = state.withLock { s in
            guard s.status == nil else { return nil }
            let id = s.nextID
            s.nextID += 1
            s.waiters[id] = .reserved
            return id
        }
        guard let id else { return status }
        let timer: Task<Void, Never>? = timeout.map { limit in
            Task { [weak self] in
                try? await Task.sleep(for: limit)
                self?.expire(id)
            }
        }
        defer { timer?.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ExitStatus?, Never>) in
                let immediate: ExitStatus?? = state.withLock { s in
                    guard let slot = s.waiters[id] else { return .some(s.status) }  // resolved or expired
                    guard case .reserved = slot else { return .some(nil) }
                    s.waiters[id] = .waiting(continuation)
                    return .none
                }
                if case .some(let value) = immediate { continuation.resume(returning: value) }
            }
        } onCancel: {
            expire(id)
        }
    }

    /// Ends one waiter with nil (timeout or cancellation); a no-op if it already ended.
    private func expire(_ id: UInt64) {
        let slot = state.withLock { $0.waiters.removeValue(forKey: id) }
        if case .waiting(let continuation) = slot { continuation.resume(returning: nil) }
    }
}
