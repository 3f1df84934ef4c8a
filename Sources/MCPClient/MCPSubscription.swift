import JSON
import JSONRPC
import Synchronization

/// A live `subscriptions/listen` (2026), or its handshake-era equivalent.
///
/// Notifications it brings go to the client's `MCPClientEvents` callbacks, like those of a legacy
/// connection, so a caller handles list changes one way in both eras. `cancel()` ends it (stdio:
/// `notifications/cancelled` for the listen id); the server may also end it.
public final class MCPSubscription: Sendable {
    private struct State {
        var id: RequestID?
        var acknowledged: JSONObject?
        var ackWaiter: CheckedContinuation<Result<JSONObject, MCPClientError>, Never>?
        var ended = false
        var endReason: MCPClientError?
        var endWaiters: [CheckedContinuation<MCPClientError?, Never>] = []
        var task: Task<Void, Never>?
        var onCancel: (@Sendable () -> Void)?
    }

    public let era: MCPEra
    private let state = Mutex(State())

    init(era: MCPEra) {
        self.era = era
    }

    /// The listen request's id (2026); it is the `subscriptionId` of everything the stream brings.
    public var id: RequestID? { state.withLock { $0.id } }

    /// The notification kinds the server agreed to send (its acknowledgement), empty until then.
    public var acknowledged: JSONObject { state.withLock { $0.acknowledged ?? [:] } }

    public var isActive: Bool { state.withLock { !$0.ended } }

    /// Ends the subscription from our side. Idempotent.
    public func cancel() {
        let (task, action) = state.withLock { s -> (Task<Void, Never>?, (@Sendable () -> Void)?) in
            defer { s.onCancel = nil }
            return (s.task, s.onCancel)
        }
        task?.cancel()
        action?()
        finish(nil)
    }

    /// Waits until the subscription ends; returns why (nil: cancelled by us or closed by the
    /// server gracefully).
    public func ended() async -> MCPClientError? {
        await withCheckedContinuation { (c: CheckedContinuation<MCPClientError?, Never>) in
            let done = state.withLock { s -> (Bool, MCPClientError?) in
                if s.ended { return (true, s.endReason) }
                s.endWaiters.append(c)
                return (false, nil)
            }
            if done.0 { c.resume(returning: done.1) }
        }
    }

    // MARK: driven by the client

    func setID(_ id: RequestID) { state.withLock { $0.id = id } }
    func setTask(_ task: Task<Void, Never>) { state.withLock { $0.task = task } }
    func setCancelAction(_ action: @escaping @Sendable () -> Void) { state.withLock { $0.onCancel = action } }

    func acknowledge(_ notifications: JSONObject) {
        let waiter = state.withLock { s -> CheckedContinuation<Result<JSONObject, MCPClientError>, Never>? in
            guard s.acknowledged == nil else { return nil }
            s.acknowledged = notifications
            defer { s.ackWaiter = nil }
            return s.ackWaiter
        }
        waiter?.resume(returning: .success(notifications))
    }

    /// Waits for the acknowledgement, at most `timeout`.
    func waitForAcknowledgement(timeout: Duration) async -> Result<JSONObject, MCPClientError> {
        await withCheckedContinuation { (c: CheckedContinuation<Result<JSONObject, MCPClientError>, Never>) in
            let now = state.withLock { s -> Result<JSONObject, MCPClientError>? in
                if let ack = s.acknowledged { return .success(ack) }
                if s.ended { return .failure(s.endReason ?? .protocolViolation("subscriptions/listen ended before it was acknowledged")) }
                s.ackWaiter = c
                return nil
            }
            if let now { return c.resume(returning: now) }
            _ = DeadlineTicker.shared.schedule(after: timeout) { [weak self] in
                self?.failAcknowledgement(.timeout(method: "subscriptions/listen", after: timeout))
            }
        }
    }

    private func failAcknowledgement(_ error: MCPClientError) {
        let waiter = state.withLock { s -> CheckedContinuation<Result<JSONObject, MCPClientError>, Never>? in
            defer { s.ackWaiter = nil }
            return s.ackWaiter
        }
        waiter?.resume(returning: .failure(error))
    }

    /// The subscription is over (once); wakes everyone waiting.
    func finish(_ error: MCPClientError?) {
        let (ack, ends) = state.withLock { s -> (CheckedContinuation<Result<JSONObject, MCPClientError>, Never>?, [CheckedContinuation<MCPClientError?, Never>]) in
            guard !s.ended else { return (nil, []) }
            s.ended = true
            s.endReason = error
            defer {
                s.ackWaiter = nil
                s.endWaiters = []
            }
            return (s.ackWaiter, s.endWaiters)
        }
        ack?.resume(returning: .failure(error ?? .protocolViolation("subscriptions/listen ended before it was acknowledged")))
        for w in ends { w.resume(returning: error) }
    }
}
