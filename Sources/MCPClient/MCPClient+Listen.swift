import JSON
import JSONRPC
import MCP

/// Change notifications in both eras. 2026: a `subscriptions/listen` request that stays open;
/// the server acknowledges it first, then sends only the kinds it agreed to, each tagged with the
/// listen id. Handshake era: list changes arrive unasked, and resource updates need
/// `resources/subscribe`.
extension MCPClient {
    /// Opens a subscription and returns once the server acknowledged it. Notifications go to the
    /// `listChanged` and `resourceUpdated` callbacks. `timeout` bounds the wait for the
    /// acknowledgement only; the subscription itself lasts until it is cancelled, the server ends
    /// it, or the connection closes (an open 2026 listen keeps the client alive until then).
    public func listen(toolsChanged: Bool = true, promptsChanged: Bool = false, resourcesChanged: Bool = false,
                       resourceSubscriptions: [String] = [], timeout: Duration? = nil) async throws(MCPClientError) -> MCPSubscription
    {
        let negotiation = try connected()
        let limit = timeout ?? configuration.requestTimeout
        var filter = JSONObject()
        if toolsChanged { filter["toolsListChanged"] = true }
        if promptsChanged { filter["promptsListChanged"] = true }
        if resourcesChanged { filter["resourcesListChanged"] = true }
        if !resourceSubscriptions.isEmpty { filter["resourceSubscriptions"] = .array(resourceSubscriptions.map { .string($0) }) }

        guard negotiation.era == .modern else {
            let subscription = MCPSubscription(era: .legacy)
            for uri in resourceSubscriptions {
                _ = try await request(MCPMethod.resourcesSubscribe, params: ["uri": .string(uri)], timeout: limit)
            }
            subscription.setCancelAction { [weak self] in
                guard let self, !resourceSubscriptions.isEmpty else { return }
                Task {
                    for uri in resourceSubscriptions {
                        _ = try? await self.request(MCPMethod.resourcesUnsubscribe, params: ["uri": .string(uri)], timeout: limit)
                    }
                }
            }
            subscription.acknowledge(filter)
            return subscription
        }

        let subscription = MCPSubscription(era: .modern)
        let version = negotiation.protocolVersion
        let params: JSONObject = ["notifications": .object(filter)]
        let task = Task { [weak self] in
            guard let self else { return subscription.finish(.closed("the client was released")) }
            var failure: MCPClientError?
            do throws(MCPClientError) {
                _ = try await self.exchange(MCPMethod.subscriptionsListen, params, stamp: .modern(version), timeout: nil) { [weak self] id in
                    subscription.setID(id)
                    self?.state.withLock { $0.listens[id] = subscription }
                }
            } catch {
                if case .cancelled = error {} else { failure = error }
            }
            if let id = subscription.id { _ = self.state.withLock { $0.listens.removeValue(forKey: id) } }
            subscription.finish(failure)
        }
        subscription.setTask(task)
        switch await subscription.waitForAcknowledgement(timeout: limit) {
        case .success:
            return subscription
        case .failure(let error):
            subscription.cancel()
            throw error
        }
    }

    /// A 2026 server ended a listen with `notifications/cancelled`: complete the pending request
    /// as if the server had sent its final result.
    func endListenByServer(_ notification: JSONRPCNotification) {
        guard let raw = notification.params?["requestId"], let id = RequestID(raw),
            state.withLock({ $0.listens[id] != nil })
        else { return }
        peer.receive(.response(JSONRPCResponse(id: id, result: [:])))
    }
}
