import JSON
import JSONRPC
import MCP
import MCPClient
import MCPServer
import ReferenceServer
import Synchronization

/// An `MCPClient` wired in memory to a `ServerConnection` of the reference server, with a record
/// of every frame in both directions.
///
/// The connection is the same engine binding stdio uses (era lock, handshake session, server→client
/// requests), so these tests exercise the client against our real server logic without processes.
final class ReferenceHarness: Sendable {
    let server: MCPServer
    let client: MCPClient
    let connection: ServerConnection
    let transport: InMemoryClientTransport
    let wire: WireLog

    init(pageSize: Int = 100, tools: Int = 100, configuration: MCPClientConfiguration = MCPClientConfiguration(probeTimeout: .seconds(60), requestTimeout: .seconds(30)),
         events: MCPClientEvents = MCPClientEvents())
    {
        server = ReferenceServer.make(version: "test", configuration: .init(benchmarkTools: tools, pageSize: pageSize))
        let box = Mutex<ServerConnection?>(nil)
        let wire = WireLog()
        self.wire = wire
        let transport = InMemoryClientTransport(toServer: { bytes in
            wire.record(bytes, sent: true)
            guard let connection = box.withLock({ $0 }) else { return }
            bytes.withUnsafeBufferPointer { connection.receive(bytes: $0) }
        })
        let connection = ServerConnection(server: server) { bytes in
            wire.record(bytes, sent: false)
            transport.receive(bytes)
        }
        self.connection = connection
        self.transport = transport
        box.withLock { $0 = connection }
        client = MCPClient(transport: transport, configuration: configuration, events: events)
    }

    /// Connects in the given era preference and checks nothing else.
    static func connected(_ preference: MCPEraPreference, pageSize: Int = 100, tools: Int = 100,
                          capabilities: JSONObject? = nil, events: MCPClientEvents = MCPClientEvents()) async throws -> ReferenceHarness
    {
        let h = ReferenceHarness(pageSize: pageSize, tools: tools,
                                 configuration: MCPClientConfiguration(capabilities: capabilities, probeTimeout: .seconds(60), requestTimeout: .seconds(30)),
                                 events: events)
        try await h.client.connect(era: preference)
        return h
    }
}

/// Every frame of a conversation, in order, by direction.
final class WireLog: Sendable {
    private let frames = Mutex<[(sent: Bool, value: JSONValue)]>([])

    func record(_ bytes: [UInt8], sent: Bool) {
        precondition(!bytes.contains(0x0A), "a frame must never contain a raw newline")
        let value = (try? JSONParser.parse(bytes)) ?? .string(String(decoding: bytes, as: UTF8.self))
        frames.withLock { $0.append((sent, value)) }
    }

    /// Frames the client sent.
    var sent: [JSONValue] { frames.withLock { $0.filter(\.sent).map(\.value) } }
    /// Frames the server sent.
    var received: [JSONValue] { frames.withLock { $0.filter { !$0.sent }.map(\.value) } }

    func sentRequests(_ method: String) -> [JSONValue] {
        sent.filter { $0["method"] == .string(method) && $0["id"] != nil }
    }

    func sentNotifications(_ method: String) -> [JSONValue] {
        sent.filter { $0["method"] == .string(method) && $0["id"].isAbsent }
    }

    /// The server's response to the request with `id`.
    func response(to id: JSONValue) -> JSONValue? {
        received.first { $0["id"] == id && $0["method"].isAbsent }
    }
}

/// Collects values delivered from callbacks and lets a test wait for them (no sleeps).
final class Collector<Value: Sendable>: Sendable {
    private struct Waiter {
        var id: UInt64
        var count: Int
        var continuation: CheckedContinuation<[Value], Never>
    }

    private let state = Mutex<(values: [Value], waiters: [Waiter], next: UInt64)>(([], [], 0))

    func append(_ value: Value) {
        let ready = state.withLock { s -> [(CheckedContinuation<[Value], Never>, [Value])] in
            s.values.append(value)
            let values = s.values
            let hit = s.waiters.filter { values.count >= $0.count }.map { ($0.continuation, values) }
            s.waiters.removeAll { values.count >= $0.count }
            return hit
        }
        for (c, v) in ready { c.resume(returning: v) }
    }

    var values: [Value] { state.withLock { $0.values } }

    /// Waits until at least `count` values arrived; after `guardTime` (a hang guard, not a timing
    /// assertion) returns what is there, so a test fails with a message instead of hanging.
    func wait(for count: Int, guardTime: Duration = .seconds(30)) async -> [Value] {
        await withCheckedContinuation { c in
            let (now, id) = state.withLock { s -> ([Value]?, UInt64) in
                if s.values.count >= count { return (s.values, 0) }
                s.next += 1
                s.waiters.append(Waiter(id: s.next, count: count, continuation: c))
                return (nil, s.next)
            }
            if let now { return c.resume(returning: now) }
            _ = DeadlineTicker.shared.schedule(after: guardTime) { [weak self] in self?.expire(id) }
        }
    }

    private func expire(_ id: UInt64) {
        let hit = state.withLock { s -> (CheckedContinuation<[Value], Never>, [Value])? in
            guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return (s.waiters.remove(at: i).continuation, s.values)
        }
        if let (c, v) = hit { c.resume(returning: v) }
    }
}

extension JSONValue {
    /// `params._meta` of a request frame.
    var meta: JSONValue? { self["params"]?["_meta"] }
}

extension Optional where Wrapped == JSONValue {
    /// True when the member is missing (`== nil` is ambiguous: `JSONValue` is nil-literal
    /// convertible, so the literal may mean JSON `null`).
    var isAbsent: Bool {
        if case .none = self { return true }
        return false
    }
}
