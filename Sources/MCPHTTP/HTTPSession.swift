import Foundation
import Hashing
import JSON
import JSONRPC
import MCP
import MCPServer
import Synchronization

/// A legacy Streamable HTTP session: the handshake state, the standalone GET stream, the request
/// streams kept for resumption, and the peer that correlates server→client requests with the
/// responses the client POSTs back.
final class HTTPSession: Sendable {
    let id: String
    let principal: String
    let legacy = LegacySession()
    let peer: JSONRPCPeer
    let standalone: EventStream
    private let streams = Mutex<[String: EventStream]>([:])
    private let lastActivity = Mutex<ContinuousClock.Instant>(.now)
    private let stopObserving = Mutex<(@Sendable () -> Void)?>(nil)
    private let keptStreams: Int

    private struct StandaloneSink: JSONRPCMessageSink {
        let stream: EventStream
        func send(_ message: JSONRPCMessage) { stream.publish(message.json) }
    }

    init(principal: String, configuration: MCPHTTPEndpoint.Configuration) {
        // 192 bits from the CSPRNG, base64url: visible ASCII, unguessable.
        id = Base64URL.encode(SecureRandom.bytes(24))
        self.principal = principal
        keptStreams = configuration.keptStreamsPerSession
        standalone = EventStream(id: "g", replayCapacity: configuration.replayEvents, channelCapacity: configuration.streamCapacity)
        peer = JSONRPCPeer(sink: StandaloneSink(stream: standalone), configuration: .init(defaultRequestTimeout: configuration.clientRequestTimeout))
    }

    func observe(_ server: MCPServer) {
        let stop = server.observe { [weak self] event in self?.announce(event) }
        stopObserving.withLock { $0 = stop }
    }

    func touch() { lastActivity.withLock { $0 = .now } }
    var idleFor: Duration { ContinuousClock.now - lastActivity.withLock { $0 } }

    /// Makes a request stream resumable by id.
    func register(_ stream: EventStream) {
        streams.withLock { all in
            all[stream.id] = stream
            if all.count > keptStreams {
                // Forget finished streams first, oldest ids first (ids are random, so any order).
                for (k, v) in all where v.isFinished && all.count > keptStreams { all[k] = nil }
            }
        }
    }

    func stream(_ id: String) -> EventStream? {
        if id == standalone.id { return standalone }
        return streams.withLock { $0[id] }
    }

    private func announce(_ event: ServerEvent) {
        guard legacy.version != nil else { return }
        switch event {
        case .toolsChanged: standalone.publish(JSONRPCMessage.notification(.init(method: MCPMethod.toolsListChanged)).json)
        case .promptsChanged: standalone.publish(JSONRPCMessage.notification(.init(method: MCPMethod.promptsListChanged)).json)
        case .resourcesChanged: standalone.publish(JSONRPCMessage.notification(.init(method: MCPMethod.resourcesListChanged)).json)
        case .resourceUpdated(let uri):
            if legacy.isSubscribed(uri) {
                standalone.publish(JSONRPCMessage.notification(.init(method: MCPMethod.resourcesUpdated, params: ["uri": .string(uri)])).json)
            }
        case .taskChanged:
            break  // tasks are a 2026 extension
        }
    }

    /// Ends the session: pending server→client requests fail, streams end.
    func close() {
        stopObserving.withLock { s in
            s?()
            s = nil
        }
        peer.close()
        standalone.finish()
        for s in streams.withLock({ Array($0.values) }) { s.finish() }
    }
}

/// Every live legacy session, with expiry of idle ones.
final class SessionStore: Sendable {
    private let sessions = Mutex<[String: HTTPSession]>([:])
    let maxSessions: Int

    init(maxSessions: Int) {
        self.maxSessions = maxSessions
    }

    func add(_ s: HTTPSession) -> Bool {
        sessions.withLock { all in
            guard all.count < maxSessions else { return false }
            all[s.id] = s
            return true
        }
    }

    func get(_ id: String) -> HTTPSession? { sessions.withLock { $0[id] } }

    @discardableResult
    func remove(_ id: String) -> HTTPSession? {
        let s = sessions.withLock { $0.removeValue(forKey: id) }
        s?.close()
        return s
    }

    var count: Int { sessions.withLock { $0.count } }

    /// Closes sessions idle for longer than `timeout` (an attached GET stream counts as activity).
    func expire(idleLongerThan timeout: Duration) {
        let stale = sessions.withLock { all -> [HTTPSession] in
            let old = all.values.filter { $0.idleFor > timeout && !$0.standalone.hasLiveConnection }
            for s in old { all[s.id] = nil }
            return old
        }
        for s in stale { s.close() }
    }

    func closeAll() {
        let all = sessions.withLock { s -> [HTTPSession] in
            defer { s.removeAll() }
            return Array(s.values)
        }
        for s in all { s.close() }
    }
}
