// ToolCallRelay: the stdio gateway's fast lane for `tools/call`.
//
// Through the engine a governed call costs the gateway about twice what the upstream spends on
// it: a task per request, two JSON trees parsed and written, a task and a timer for the deadline,
// and one write(2) per message each way (which, with 64 calls in flight, also wakes the upstream
// 64 times). The relay handles the common call without any of that, on the two reader threads:
// it checks the client's line with `JSONScanner` (no tree), resolves the tool through the same
// governed route as the engine, rewrites the envelope around the untouched `arguments` bytes,
// and batches every line of one read into one write; the upstream's answer is shaped the same
// way and batched back. Anything it does not vouch for — a malformed or unusual request, a tool
// that is not allowed or needs confirmation, a progress token, a client that can answer input
// requests, an upstream that is not a connected stdio process — goes to the engine as before,
// which also gives every refusal its one precise answer. The relay keeps the engine's behaviour
// for the calls it takes: the same idle deadline (reset by upstream progress) and ceiling, the
// same failure texts, cancellation in both directions, the breaker, in-flight bound, and results
// shaped by the same rules (answers it cannot splice are shaped by `ResultShaper` itself, and an
// upstream's `input_required` is continued by the MCP client exactly as a normal call).

import Foundation
import JSON
import JSONRPC
import MCP
import MCPClient
import MCPServer
import Platform
import Synchronization

/// The fast lane of one stdio gateway connection, or of one agent's HTTP endpoint.
public final class ToolCallRelay: Sendable {
    let core: Core

    /// One agent as a client sees it: whose tools, and the `serverInfo` its answers carry.
    public final class Agent: Sendable {
        let provider: AgentCatalogProvider
        let serverInfo: JSONValue
        /// `{"io.modelcontextprotocol/serverInfo":…}`, the `_meta` of 2026 answers.
        let serverInfoMeta: [UInt8]

        public init(provider: AgentCatalogProvider, serverInfo: JSONValue) {
            self.provider = provider
            self.serverInfo = serverInfo
            self.serverInfoMeta = JSONWriter.bytes([ResultShaper.serverInfoKey: serverInfo])
        }
    }

    /// One agent's HTTP endpoint as a `CallLane` over the shared relay.
    public final class Lane: CallLane {
        let relay: ToolCallRelay
        let agent: Agent

        public init(relay: ToolCallRelay, agent: Agent) {
            self.relay = relay
            self.agent = agent
        }

        public func take(_ body: UnsafeBufferPointer<UInt8>, routing: CallRouting?, executor: (any TaskExecutor)?,
                         answeringTo sink: any CallAnswerSink) -> UInt64? {
            relay.forward(body, agent: agent, routing: routing, executor: executor, reply: sink)
        }

        public func cancel(_ handle: UInt64) { relay.cancel(handle) }
    }
    /// - Parameters:
    ///   - agent: the stdio client's agent. HTTP names the agent per call: one relay serves
    ///     every agent endpoint of a server, since they may share an upstream process and only
    ///     one relay can watch its output.
    ///   - connection: the engine's side of the same client (its era and handshake decide what
    ///     the relay may take); nil for HTTP, where every call is a 2026 request of its own.
    ///   - maxInFlight: calls the relay holds at once; beyond it calls go to the engine (whose own
    ///     bound then slows the client down).
    ///   - emit: stdio: writes complete lines to the client, in the same stream as the engine's
    ///     answers (HTTP calls answer through their own `reply`).
    public init(agent: Agent?, connection: ServerConnection?, limits: JSONParser.Limits,
                maxInFlight: Int = 256, emit: @escaping @Sendable ([UInt8]) -> Void = { _ in }) {
        core = Core(agent: agent, connection: connection, limits: limits, maxInFlight: maxInFlight, emit: emit)
    }

    deinit {
        core.detach()
    }

    /// Calls the relay holds now.
    public var inFlight: Int { core.inFlight }

    /// Takes `line` when it is a call the relay handles (true), else leaves it to the engine.
    public func offer(_ line: UnsafeBufferPointer<UInt8>) -> Bool { core.offer(line) }

    /// HTTP: takes the body of one 2026 POST when it is a call the relay handles, and returns
    /// the call's number (for `cancel`); `reply` then gets the JSON-RPC response. Nil leaves the
    /// request to the engine. `routing`: what the request's headers say its body holds, when
    /// nobody has checked the body yet (the relay then takes only a body that agrees).
    ///
    /// With an `executor` (the event loop running the handler) the request goes upstream after
    /// the handlers already queued there have run, in one write with theirs: under load that
    /// is one write(2), and one wake-up of the upstream, per loop round instead of per call.
    /// (An executor that says when its round ends — `RoundEndScheduling`, as event loops do — is
    /// asked for that moment directly; any other gets a Task queued behind those handlers.)
    /// Without one it goes at once.
    public func forward(_ body: UnsafeBufferPointer<UInt8>, agent: Agent, routing: CallRouting? = nil,
                        executor: (any TaskExecutor)? = nil, reply: any CallAnswerSink) -> UInt64? {
        core.forward(body, agent: agent, routing: routing, executor: executor, reply: reply)
    }

    /// HTTP: the caller went away; the call ends upstream and nobody is answered.
    public func cancel(_ number: UInt64) { core.cancel(number) }

    /// Writes what the calls of one client read produced, one write per upstream.
    public func flush() { core.flush() }

    /// The client stopped sending: waits up to `grace` for the calls in flight, then drops the
    /// rest (as the engine does with its own requests).
    public func finish(grace: Duration) async { await core.finish(grace: grace) }
}
