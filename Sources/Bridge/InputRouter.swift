// InputRouter: sends what an upstream asks in the middle of a call — elicitation, sampling, roots
// — to the caller whose call caused it, so the person (or model) behind the gateway answers, not
// the gateway.
//
// A 2026 upstream asks inside the call's own result (`input_required`), which the client answers
// for that call: the call's sink is handed to the client with the call (`MCPClient.callTool`'s
// `input`), so attribution is exact. A handshake-era upstream
// sends a request of its own on the shared connection, with nothing on the wire (over stdio)
// saying which call it belongs to: it goes to the one call in flight that can answer, and when
// several are in flight it cannot be attributed, so it gets the default answer (elicitation
// declined, empty roots, sampling refused) rather than reaching the wrong person. Bindings whose
// upstream runs one process per session make the attribution exact.

import JSON
import MCPClient
import Synchronization

/// Routes one upstream's input requests to the calls in flight.
public final class InputRouter: Sendable {
    /// Where one call's input requests go: the answer, or nil for the default answer.
    public typealias Sink = @Sendable (MCPInputRequest) async throws -> JSONValue?

    private struct Active {
        var next: UInt64 = 0
        /// Every call in flight, including those that cannot answer (nil), so a question is
        /// never attributed to one call while another one is also running.
        var calls: [UInt64: Sink?] = [:]
    }
    private let active = Mutex(Active())

    public init() {}

    /// The provider to give the upstream's `MCPClient`.
    public var provider: MCPInputProvider {
        { [weak self] request in try await self?.route(request) }
    }

    /// Runs `body` (one upstream call) with the handshake-era upstream's requests going to `sink`
    /// (nil: this call's caller cannot answer any) when this is the only call in flight.
    public func during<T: Sendable>(_ sink: Sink?, _ body: () async throws -> T) async throws -> T {
        let id = active.withLock { state -> UInt64 in
            state.next += 1
            state.calls[state.next] = .some(sink)
            return state.next
        }
        defer { _ = active.withLock { $0.calls.removeValue(forKey: id) } }
        return try await body()
    }

    func route(_ request: MCPInputRequest) async throws -> JSONValue? {
        let only: Sink? = active.withLock { state in
            guard state.calls.count == 1, let entry = state.calls.first else { return nil }
            return entry.value
        }
        guard let only else { return nil }
        return try await only(request)
    }
}
