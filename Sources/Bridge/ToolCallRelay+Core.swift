// The relay's state and logic, apart from its public face (see `ToolCallRelay`).

import Foundation
import JSON
import JSONRPC
import MCP
import MCPClient
import HTTPServer
import MCPServer
import Platform
import Synchronization

extension ToolCallRelay {
    /// Everything the relay does. Nothing refers to a core weakly — the upstream taps and the
    /// deadline sweep hold it strongly — because an object that has ever been weakly referenced
    /// keeps a side table, and every retain and release of it then takes the runtime's slow
    /// path: measured on the stdio gateway at 64 calls in flight, about a tenth of its CPU. The
    /// cycle that makes (transport → tap → core → the transports it watches) is broken by
    /// `detach`, which the public `ToolCallRelay` calls when it goes away, and by the end of
    /// the upstream connection.
    final class Core: Sendable {
        /// One relayed call. A class: it moves between the table, the sweep and the answer
        /// path, and a copy of a struct this size cost a retain and a release per field.
        /// `deadline` is read and written only under the relay's lock.
        private final class Call: @unchecked Sendable {
            /// The request as sent upstream, followed by the client's id (raw JSON bytes, echoed
            /// back as they came): one allocation for both.
            let bytes: [UInt8]
            /// Where the `arguments` object sits in `bytes` (for the rare call whose upstream asks
            /// for input: the retry needs them parsed).
            let arguments: Range<Int>
            let requestEnd: Int
            let exposedName: String
            let upstreamTool: String
            /// The resolved tool (its connection is reached through it: a connection is weakly
            /// referenced elsewhere, so retaining it per call takes the runtime's slow path).
            let target: Target
            let transport: ObjectIdentifier
            /// The client's protocol version (shapes the answer).
            let version: ProtocolVersion
            let idle: Duration
            let startedAt: ContinuousClock.Instant
            /// When the call fails unless an answer or a progress report comes first.
            var deadline: ContinuousClock.Instant
            /// Where the answer goes for a call of its own (HTTP): one JSON text, no newline. Nil
            /// for stdio calls, whose answers join the client's stream.
            let reply: (any CallAnswerSink)?
            let agent: Agent

            init(bytes: [UInt8], arguments: Range<Int>, requestEnd: Int, exposedName: String, upstreamTool: String,
                 target: Target, transport: ObjectIdentifier, version: ProtocolVersion, idle: Duration,
                 startedAt: ContinuousClock.Instant, reply: (any CallAnswerSink)?, agent: Agent) {
                self.bytes = bytes
                self.arguments = arguments
                self.requestEnd = requestEnd
                self.exposedName = exposedName
                self.upstreamTool = upstreamTool
                self.target = target
                self.transport = transport
                self.version = version
                self.idle = idle
                self.startedAt = startedAt
                self.deadline = startedAt + idle
                self.reply = reply
                self.agent = agent
            }

            var clientID: ArraySlice<UInt8> { bytes[requestEnd...] }
            var connection: UpstreamConnection { target.connection }

            /// An answer came: resets the upstream's failure count, taking its lock only when
            /// there is something to reset.
            func noteSuccess() {
                if target.epoch.hasFailures { target.connection.noteSuccess() }
            }
            var request: ArraySlice<UInt8> { bytes[..<requestEnd] }
        }

        private struct Outbox {
            var transport: FDClientTransport
            var bytes: [UInt8] = []
        }

        private struct TargetKey: Hashable {
            var provider: ObjectIdentifier
            var name: String
        }

        /// A resolved tool (a class: copied out of the cache on every call).
        private final class Target: Sendable {
            let connection: UpstreamConnection
            let epoch: WireEpoch
            /// The route's parts a call needs, taken out once (copying the route per call
            /// retained every field of it).
            let upstreamTool: String
            let upstreamName: [UInt8]
            let timeout: Duration
            let expires: ContinuousClock.Instant

            init(route: ToolRoute, connection: UpstreamConnection, expires: ContinuousClock.Instant) {
                self.connection = connection
                self.epoch = connection.wireEpoch
                self.upstreamTool = route.upstreamTool
                self.upstreamName = JSONWriter.bytes(.string(route.upstreamTool))
                self.timeout = .seconds(route.timeoutSeconds.value)
                self.expires = expires
            }
        }

        /// The previous call's resolution, reused while calls name the same tool of the same
        /// agent over the same upstream connection (nearly every call does): then one lock takes
        /// the call, with no lookups, no hashing and nothing retained from the connection.
        /// A class: taken out of the state for every call, and a struct copy retained each field.
        private final class Recent: Sendable {
            let provider: ObjectIdentifier
            /// The tool's name as the client wrote it (between the quotes).
            let name: [UInt8]
            let toolName: String
            let target: Target
            let transport: FDClientTransport
            let key: ObjectIdentifier
            let upstreamMeta: [UInt8]
            /// Valid while the connection's epoch (`target.epoch`) stays here.
            let generation: UInt64

            init(provider: ObjectIdentifier, name: [UInt8], toolName: String, target: Target, transport: FDClientTransport,
                 key: ObjectIdentifier, upstreamMeta: [UInt8], generation: UInt64) {
                self.provider = provider
                self.name = name
                self.toolName = toolName
                self.target = target
                self.transport = transport
                self.key = key
                self.upstreamMeta = upstreamMeta
                self.generation = generation
            }
        }

        private struct State {
            var nextID: UInt64 = 0
            var calls: [UInt64: Call] = [:]
            var outboxes: [ObjectIdentifier: Outbox] = [:]
            /// Answers waiting for the end of the upstream read that produced them.
            var toClient: [UInt8] = []
            /// Calls taken out of `calls` to be answered whose answer is not yet in `toClient` or its
            /// reply, plus batches of `toClient` on their way to `emit`: still in flight for `finish`,
            /// which would otherwise see nothing left and let the process exit with them unwritten.
            var handingOver = 0
            var targets: [TargetKey: Target] = [:]
            /// `_meta` envelopes already judged, by their exact bytes: the version they ask for, or
            /// nil when the engine must take requests carrying them.
            var envelopes: [[UInt8]: ProtocolVersion?] = [:]
            /// What our requests carry in `_meta` after the progress token, per upstream connection
            /// (by its transport; dropped when that connection ends, as the era may change).
            var upstreamMeta: [ObjectIdentifier: [UInt8]] = [:]
            /// Upstream connections whose output this relay watches (their taps go when it does).
            var tapped: [ObjectIdentifier: FDClientTransport] = [:]
            /// The envelope of the previous call and its verdict (nearly every call repeats it).
            var lastEnvelope: [UInt8] = []
            var lastVersion: ProtocolVersion?
            /// Whether a deadline sweep is scheduled (one runs every `sweepInterval` while calls are
            /// in flight: no timer per call).
            var sweeping = false
            /// Whether a flush of the outboxes is queued on an event loop (HTTP calls).
            var flushScheduled = false
            var recent: Recent?
            /// The last upstream result `_meta` the splice accepted (see `ResultSplice.write`).
            var upstreamServerMeta: [UInt8] = []
            /// The stdio client's era once decided, and for a handshake client the version the
            /// relay answers with (nil inside: the engine takes its calls), once initialized.
            var era: ServerConnection.Era?
            var legacyVerdict: ProtocolVersion??
            var closed = false
        }

        /// The stdio client's agent. HTTP names the agent per call: one relay serves every agent
        /// endpoint of a server, since they may share an upstream process and only one relay can
        /// watch its output.
        private let agent: Agent?
        /// The stdio client's engine side; nil for HTTP, where every call is a 2026 request of its own.
        private let connection: ServerConnection?
        private let limits: JSONParser.Limits
        private let maxInFlight: Int
        private let emit: @Sendable ([UInt8]) -> Void
        private let state = Mutex(State())
        /// The stdio client's lines (see `ScanMemory`).
        private let clientScans = ScanMemory()
        private let ticker = DeadlineTicker.shared
        static let sweepInterval: Duration = .milliseconds(50)
        /// Our request ids upstream are strings with this prefix, which no id of the MCP client has.
        static let idPrefix = Array("ab-".utf8)
        private static let idNeedle = Array(#""ab-"#.utf8)

        /// - Parameters:
        ///   - connection: the engine's side of the same client (its era and handshake decide what
        ///     the relay may take).
        ///   - maxInFlight: calls the relay holds at once; beyond it calls go to the engine (whose own
        ///     bound then slows the client down).
        ///   - emit: stdio: writes complete lines to the client, in the same stream as the engine's
        ///     answers (HTTP calls answer through their own `reply`).
        init(agent: Agent?, connection: ServerConnection?, limits: JSONParser.Limits,
                    maxInFlight: Int = 256, emit: @escaping @Sendable ([UInt8]) -> Void = { _ in }) {
            self.agent = agent
            self.connection = connection
            self.limits = limits
            self.maxInFlight = maxInFlight
            self.emit = emit
        }

        /// Removes this core's taps (the relay is going away).
        func detach() {
            let owner = ObjectIdentifier(self)
            for transport in state.withLock({ Array($0.tapped.values) }) { transport.removeTap(owner: owner) }
        }

        /// See `ToolCallRelay.inFlight`.
        var inFlight: Int { state.withLock { $0.calls.count + $0.handingOver } }

        /// Removes a call that is about to be answered; it counts as in flight until `deliver`.
        private static func takeForAnswer(_ number: UInt64, in s: inout State) -> Call? {
            guard let call = s.calls.removeValue(forKey: number) else { return nil }
            s.handingOver += 1
            return call
        }

        // MARK: - From the client

        /// See `ToolCallRelay.offer`.
        func offer(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
            guard let agent else { return false }
            return accept(line, agent: agent, reply: nil, routing: nil) != nil
        }

        /// See `ToolCallRelay.forward`.
        func forward(_ body: UnsafeBufferPointer<UInt8>, agent: Agent, routing: CallRouting? = nil,
                            executor: (any TaskExecutor)? = nil, reply: any CallAnswerSink) -> UInt64? {
            guard let number = accept(body, agent: agent, reply: reply, routing: routing) else { return nil }
            guard let executor else {
                flush()
                return number
            }
            let schedule = state.withLock { s -> Bool in
                defer { s.flushScheduled = true }
                return !s.flushScheduled
            }
            guard schedule else { return number }
            if let loop = executor as? any RoundEndScheduling {
                loop.atRoundEnd { self.flush() }
            } else {
                Task(executorPreference: executor) { self.flush() }
            }
            return number
        }

        /// See `ToolCallRelay.cancel`.
        func cancel(_ number: UInt64) {
            guard let call = state.withLock({ $0.calls.removeValue(forKey: number) }) else { return }
            cancelUpstream(number, call, reason: "cancelled")
        }

        /// The call number when the relay took `line` (a client cancellation of a relayed call
        /// counts, as 0).
        private func accept(_ line: UnsafeBufferPointer<UInt8>, agent: Agent, reply: (any CallAnswerSink)?, routing: CallRouting?) -> UInt64? {
            var number: UInt64?
            // Two spelled-out scans, not one shared closure: sharing it measured ≈0.05 µs a call.
            guard reply == nil else {
                // HTTP: requests of many connections at once, on any thread; nothing remembered.
                JSONScanner.withObjectMembers(line, limits: limits, nested: "params") { top, params in
                    number = accept(line, top: top, params: params, agent: agent, reply: reply, routing: routing)
                }
                return number
            }
            clientScans.scan(line, limits: limits, nested: "params") { top, params in
                number = accept(line, top: top, params: params, agent: agent, reply: reply, routing: routing)
                return ScanMemory.meta(of: params, in: line)
            }
            return number
        }

        private func accept(_ line: UnsafeBufferPointer<UInt8>, top: UnsafeBufferPointer<JSONScanner.Member>, params paramMembers: UnsafeBufferPointer<JSONScanner.Member>?,
                            agent: Agent, reply: (any CallAnswerSink)?, routing: CallRouting?) -> UInt64? {
            guard top.count == 4 || top.count == 3 else { return nil }
            var jsonrpc: Range<Int>?, id: Range<Int>?, method: Range<Int>?, params: Range<Int>?
            for member in top {
                if JSONScanner.equals(member.key, "jsonrpc", in: line) { jsonrpc = member.value }
                else if JSONScanner.equals(member.key, "id", in: line) { id = member.value }
                else if JSONScanner.equals(member.key, "method", in: line) { method = member.value }
                else if JSONScanner.equals(member.key, "params", in: line) { params = member.value }
                else { return nil }
            }
            guard let jsonrpc, JSONScanner.equals(jsonrpc, "\"2.0\"", in: line), let method, let params else { return nil }
            if id == nil, reply == nil, JSONScanner.equals(method, "\"notifications/cancelled\"", in: line) {
                return cancelledByClient(line, params: params) ? 0 : nil
            }
            guard let id, Self.isPlainID(id, in: line), JSONScanner.equals(method, "\"tools/call\"", in: line),
                  let members = paramMembers else { return nil }
            var name: Range<Int>?, arguments: Range<Int>?, meta: Range<Int>?
            for member in members {
                if JSONScanner.equals(member.key, "name", in: line) { name = member.value }
                else if JSONScanner.equals(member.key, "arguments", in: line) { arguments = member.value }
                else if JSONScanner.equals(member.key, "_meta", in: line) { meta = member.value }
                else { return nil }
            }
            guard let name, line[name.lowerBound] == UInt8(ascii: "\""), !line[name].contains(UInt8(ascii: "\\")) else { return nil }
            if let arguments, line[arguments.lowerBound] != UInt8(ascii: "{") { return nil }
            guard let version = clientVersion(meta: meta, in: line, modern: reply != nil) else { return nil }
            let nameBytes = (name.lowerBound + 1)..<(name.upperBound - 1)
            if let taken = acceptRecent(line, name: nameBytes, id: id, arguments: arguments, version: version, agent: agent, reply: reply, routing: routing) {
                return taken
            }
            let toolName = String(decoding: UnsafeBufferPointer(rebasing: line[nameBytes]), as: UTF8.self)
            if let routing, routing.toolName != toolName || routing.protocolVersion != version.rawValue { return nil }
            guard let target = target(toolName, of: agent.provider) else { return nil }
            let generation = target.epoch.value
            guard let (client, transport) = target.connection.wire,
                  let upstreamMeta = upstreamMeta(for: client, over: transport), watching(transport, secrets: target.connection.secrets) else { return nil }
            let recent = Recent(provider: ObjectIdentifier(agent.provider), name: Array(line[nameBytes]), toolName: toolName, target: target,
                                transport: transport, key: ObjectIdentifier(transport), upstreamMeta: upstreamMeta, generation: generation)
            var sweep = false
            let number = state.withLock { s -> UInt64? in
                defer { s.recent = recent }
                return take(line, id: id, arguments: arguments, version: version, agent: agent, reply: reply, via: recent, at: .now, in: &s, sweep: &sweep)
            }
            if sweep { scheduleSweep() }
            return number
        }

        /// Takes the call through `recent` when it still applies (the same tool of the same agent,
        /// the connection unchanged since): nil when it does not, `.some(nil)` when the relay is
        /// full or closed.
        private func acceptRecent(_ line: UnsafeBufferPointer<UInt8>, name: Range<Int>, id: Range<Int>, arguments: Range<Int>?,
                                  version: ProtocolVersion, agent: Agent, reply: (any CallAnswerSink)?, routing: CallRouting?) -> UInt64?? {
            let provider = ObjectIdentifier(agent.provider)
            let now = ContinuousClock.now
            var sweep = false
            let taken = state.withLock { s -> UInt64?? in
                guard let recent = s.recent, recent.provider == provider, recent.name.count == name.count,
                      recent.name.withUnsafeBytes({ memcmp($0.baseAddress!, line.baseAddress! + name.lowerBound, name.count) == 0 }),
                      now < recent.target.expires, recent.target.epoch.value == recent.generation else { return .none }
                if let routing, routing.toolName != recent.toolName || routing.protocolVersion != version.rawValue { return .some(nil) }
                return .some(take(line, id: id, arguments: arguments, version: version, agent: agent, reply: reply, via: recent, at: now, in: &s, sweep: &sweep))
            }
            if sweep { scheduleSweep() }
            return taken
        }

        /// Under the lock: numbers the call, writes its request into the upstream's outbox and
        /// enters it in the table (nil when the relay is closed or full).
        private func take(_ line: UnsafeBufferPointer<UInt8>, id: Range<Int>, arguments: Range<Int>?, version: ProtocolVersion, agent: Agent,
                          reply: (any CallAnswerSink)?, via route: Recent, at now: ContinuousClock.Instant, in s: inout State, sweep: inout Bool) -> UInt64? {
            guard !s.closed, s.calls.count < maxInFlight else { return nil }
            s.nextID += 1
            let number = s.nextID
            let target = route.target
            var bytes: [UInt8] = []
            bytes.reserveCapacity(line.count + route.upstreamMeta.count + 48)
            bytes.append(literal: #"{"jsonrpc":"2.0","id":"#)
            Self.appendID(number, to: &bytes)
            bytes.append(literal: #","method":"tools/call","params":{"name":"#)
            bytes += target.upstreamName
            bytes.append(literal: #","arguments":"#)
            let argumentsStart = bytes.count
            if let arguments { bytes += UnsafeBufferPointer(rebasing: line[arguments]) } else { bytes.append(literal: "{}") }
            let argumentRange = argumentsStart..<bytes.count
            bytes.append(literal: #","_meta":{"progressToken":"#)
            Self.appendID(number, to: &bytes)
            bytes += route.upstreamMeta
            bytes.append(literal: "}}}\n")
            let requestEnd = bytes.count
            bytes += UnsafeBufferPointer(rebasing: line[id])
            let call = Call(
                bytes: bytes, arguments: argumentRange, requestEnd: requestEnd, exposedName: route.toolName, upstreamTool: target.upstreamTool,
                target: target, transport: route.key, version: version, idle: target.timeout, startedAt: now, reply: reply, agent: agent)
            s.calls[number] = call
            s.outboxes[route.key, default: Outbox(transport: route.transport)].bytes += call.request
            sweep = !s.sweeping
            s.sweeping = true
            return number
        }

        /// See `ToolCallRelay.flush`.
        func flush() {
            let boxes = state.withLock { s -> [Outbox] in
                s.flushScheduled = false
                var ready: [Outbox] = []
                for key in s.outboxes.keys where !s.outboxes[key]!.bytes.isEmpty {
                    ready.append(s.outboxes[key]!)
                    s.outboxes[key]!.bytes = []
                }
                return ready
            }
            for box in boxes { box.transport.sendLines(box.bytes) }
        }

        /// See `ToolCallRelay.finish`.
        func finish(grace: Duration) async {
            flush()
            let deadline = ContinuousClock.now + grace
            while inFlight > 0 && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(5))
            }
            state.withLock { s in
                s.closed = true
                s.calls.removeAll()
            }
            flushToClient()
        }

        /// Integers and plain strings: ids the relay can echo and match byte for byte.
        private static func isPlainID(_ range: Range<Int>, in line: UnsafeBufferPointer<UInt8>) -> Bool {
            let first = line[range.lowerBound]
            if first == UInt8(ascii: "\"") { return !line[range].contains(UInt8(ascii: "\\")) }
            guard first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else { return false }  // null, true, {}, []
            return !line[range].contains(UInt8(ascii: "."))
        }

        /// The client's version for a call with `_meta` at `meta`, when the relay may take it: a 2026
        /// connection with an envelope the engine accepts, or a legacy one past the handshake at
        /// 2025-06-18 or later; either way without a progress token, a log level or any capability
        /// to answer input requests (such calls go to the engine, which can ask the client).
        private func clientVersion(meta: Range<Int>?, in line: UnsafeBufferPointer<UInt8>, modern: Bool) -> ProtocolVersion? {
            // A connection's era, and a handshake's version and capabilities, never change once
            // set: they are read from the connection once, not per call.
            let (known, verdict) = modern ? (.modern, nil) : state.withLock { ($0.era, $0.legacyVerdict) }
            var era = known ?? .undecided
            if known == nil, let connection {
                era = connection.currentEra
                if era != .undecided { state.withLock { $0.era = era } }
            }
            switch era {
            case .undecided:
                return nil
            case .legacy:
                guard meta == nil else { return nil }
                if let verdict { return verdict }
                guard let connection, let version = connection.session.version else { return nil }
                let decided = version >= .v2025_06_18 && !AgentCatalogProvider.canAnswerInput(connection.session.clientCapabilities) ? version : nil
                state.withLock { $0.legacyVerdict = .some(decided) }
                return decided
            case .modern:
                guard let meta, line[meta.lowerBound] == UInt8(ascii: "{") else { return nil }
                let same = state.withLock { s -> ProtocolVersion?? in
                    guard s.lastEnvelope.count == meta.count, let start = line.baseAddress,
                          s.lastEnvelope.withUnsafeBytes({ memcmp($0.baseAddress!, start + meta.lowerBound, meta.count) == 0 }) else { return nil }
                    return .some(s.lastVersion)
                }
                if let same { return same }
                let bytes = Array(line[meta])
                if let known = state.withLock({ s -> ProtocolVersion?? in
                    guard let known = s.envelopes[bytes] else { return nil }
                    s.lastEnvelope = bytes
                    s.lastVersion = known
                    return .some(known)
                }) { return known }
                var verdict: ProtocolVersion?
                if let parsed = try? JSONParser.parse(bytes, limits: limits), case .success(let envelope) = ModernEnvelope.parse(["_meta": parsed]),
                   envelope.progressToken == nil, envelope.logLevel == nil, !AgentCatalogProvider.canAnswerInput(envelope.clientCapabilities) {
                    verdict = envelope.version
                }
                state.withLock { s in
                    if s.envelopes.count >= 16 { s.envelopes.removeAll() }
                    s.envelopes[bytes] = .some(verdict)
                    s.lastEnvelope = bytes
                    s.lastVersion = verdict
                }
                return verdict
            }
        }

        /// The governed target of `name`, re-resolved at most every `configurationTTL` (as the
        /// provider re-reads the agent).
        private func target(_ name: String, of provider: AgentCatalogProvider) -> Target? {
            let now = ContinuousClock.now
            let key = TargetKey(provider: ObjectIdentifier(provider), name: name)
            if let cached = state.withLock({ $0.targets[key] }), now < cached.expires { return cached }
            guard let (route, connection) = provider.relayTarget(name) else { return nil }
            let target = Target(route: route, connection: connection,
                                expires: now + AgentCatalogProvider.configurationTTL)
            state.withLock { s in
                if s.targets.count >= 1024 { s.targets.removeAll() }
                s.targets[key] = target
            }
            return target
        }

        /// What follows our progress token in the `_meta` of requests to `client`: its 2026
        /// envelope's members (built once per client), or nothing in the handshake era. The
        /// envelope declares no client capabilities: the relay only takes calls from clients that
        /// can answer no question, so the upstream must not ask one (see `Upstream.callTool`).
        private func upstreamMeta(for client: MCPClient, over transport: FDClientTransport) -> [UInt8]? {
            let key = ObjectIdentifier(transport)
            if let known = state.withLock({ $0.upstreamMeta[key] }) { return known }
            guard case .object(var meta)? = client.requestMeta(progressToken: .null, capabilities: [:]) else { return nil }
            meta["progressToken"] = nil
            var bytes: [UInt8] = []
            if !meta.isEmpty {
                let object = JSONWriter.bytes(.object(meta))
                bytes = [UInt8(ascii: ",")] + object[1..<(object.count - 1)]
            }
            state.withLock { s in
                if s.upstreamMeta.count >= 64 { s.upstreamMeta.removeAll() }
                s.upstreamMeta[key] = bytes
            }
            return bytes
        }

        /// The client gave up on a call: forget it and tell the upstream (no answer is sent).
        private func cancelledByClient(_ line: UnsafeBufferPointer<UInt8>, params: Range<Int>) -> Bool {
            guard let members = JSONScanner.members(of: params, in: line),
                  let requestID = members.first(where: { JSONScanner.equals($0.key, "requestId", in: line) })?.value else { return false }
            let wanted = Array(line[requestID])
            let found = state.withLock { s -> (UInt64, Call)? in
                guard let (number, call) = s.calls.first(where: { $0.value.clientID.elementsEqual(wanted) }) else { return nil }
                s.calls[number] = nil
                return (number, call)
            }
            guard let (number, call) = found else { return false }
            cancelUpstream(number, call, reason: "cancelled")
            return true
        }

        // MARK: - From the upstream

        /// Whether this relay sees `transport`'s output (installing its tap on first use); false
        /// when the connection ended or another relay watches it — the engine takes those calls.
        private func watching(_ transport: FDClientTransport, secrets: UpstreamSecrets) -> Bool {
            let key = ObjectIdentifier(transport)
            // Marked before the tap goes in, so a `closed` that comes right after clears the mark.
            let known = state.withLock { s -> Bool in
                if s.tapped[key] != nil { return true }
                s.tapped[key] = transport
                return false
            }
            if known { return true }
            let scans = ScanMemory()
            let installed = transport.setTap(FDClientTransport.LineTap(
                line: { line in
                    // A line that may carry one of the upstream's credentials is redacted first
                    // (parsed and written again); everything after sees only the redacted line.
                    guard secrets.mayAppear(in: line) else { return self.upstreamLine(line, scans: scans) }
                    guard let parsed = try? JSONParser.parse(buffer: line, limits: self.limits) else { return false }
                    return JSONWriter.bytes(secrets.redact(parsed)).withUnsafeBufferPointer { self.upstreamLine($0, scans: scans) }
                },
                batchEnd: { self.flushToClient() },
                closed: { reason in self.upstreamClosed(key, reason: reason) }), owner: ObjectIdentifier(self))
            if !installed {
                state.withLock { s in
                    s.tapped[key] = nil
                    s.upstreamMeta[key] = nil
                }
            }
            return installed
        }

        /// One line from an upstream: our answers and progress reports are taken here, the rest goes
        /// on to the MCP client.
        private func upstreamLine(_ line: UnsafeBufferPointer<UInt8>, scans: ScanMemory) -> Bool {
            guard Self.mentionsOurID(line) else { return false }
            var taken = false
            scans.scan(line, limits: limits, nested: "result") { top, result in
                taken = upstreamLine(line, top: top, result: result)
                return ScanMemory.meta(of: result, in: line)
            }
            return taken
        }

        private func upstreamLine(_ line: UnsafeBufferPointer<UInt8>, top: UnsafeBufferPointer<JSONScanner.Member>,
                                  result resultMembers: UnsafeBufferPointer<JSONScanner.Member>?) -> Bool {
            var id: Range<Int>?, result: Range<Int>?, method: Range<Int>?, params: Range<Int>?, hasError = false
            for member in top {
                if JSONScanner.equals(member.key, "id", in: line) { id = member.value }
                else if JSONScanner.equals(member.key, "result", in: line) { result = member.value }
                else if JSONScanner.equals(member.key, "method", in: line) { method = member.value }
                else if JSONScanner.equals(member.key, "params", in: line) { params = member.value }
                else if JSONScanner.equals(member.key, "error", in: line) { hasError = true }
            }
            if let method {
                guard id == nil, JSONScanner.equals(method, "\"notifications/progress\"", in: line), let params,
                      let token = JSONScanner.members(of: params, in: line)?.first(where: { JSONScanner.equals($0.key, "progressToken", in: line) }),
                      let number = Self.ourNumber(token.value, in: line) else { return false }
                progressed(number)
                return true
            }
            guard let id, let number = Self.ourNumber(id, in: line) else { return false }
            // The common answer — a plain result for a stdio call — is spliced straight into the
            // batch for the client, in the same lock that takes the call.
            var spliced = false
            let taken = state.withLock { s -> Call? in
                guard let call = Self.takeForAnswer(number, in: &s) else { return nil }
                if call.reply == nil, !hasError, let result, let resultMembers,
                   ResultSplice.write(result, members: resultMembers, in: line, clientID: call.clientID, version: call.version,
                                      serverInfoMeta: call.agent.serverInfoMeta, knownMeta: &s.upstreamServerMeta, into: &s.toClient) {
                    s.toClient.append(0x0A)
                    s.handingOver -= 1  // handed over: the answer is in the client's batch
                    spliced = true
                }
                return call
            }
            guard let call = taken else { return true }  // expired or cancelled meanwhile
            if spliced {
                call.noteSuccess()
                return true
            }
            if !hasError, let result, let resultMembers,
               let spliced = ResultSplice.answer(result, members: resultMembers, in: line, clientID: call.clientID, version: call.version, serverInfoMeta: call.agent.serverInfoMeta) {
                call.connection.noteSuccess()
                deliver(call, spliced)
                return true
            }
            // Anything else is answered from the parsed message, by the engine's own rules.
            let message = try? JSONParser.parse(buffer: line, limits: limits)
            if let error = message?["error"], let code = error["code"]?.intValue, let text = error["message"]?.stringValue {
                let failure = MCPClientError.server(code: Int(code), message: text, data: error["data"])
                // Relayed callers declare no input capabilities (the relay leaves theirs to the engine).
                if call.version.isModern, call.connection.era == .modern,
                   let refusal = AgentCatalogProvider.missingCapability(call.exposedName, failure, callerCapabilities: [:]) {
                    refuse(call, refusal)
                } else {
                    answer(call, AgentCatalogProvider.failedCall(call.exposedName, failure))
                }
            } else if let result = message?["result"], result["resultType"] == "input_required" {
                resume(call, after: result)
            } else if let result = message?["result"], let checked = try? MCPToolCallResult(json: result) {
                call.connection.noteSuccess()
                answer(call, checked.json)
            } else {
                call.connection.noteFailure()
                let why = message?["result"] == nil ? "a response with neither result nor error" : "a tools/call result without a \"content\" array"
                answer(call, AgentCatalogProvider.failedCall(call.exposedName, MCPClientError.protocolViolation(why)))
            }
            return true
        }

        /// Sends `result` (a CallToolResult) to the client, shaped for its version.
        private func answer(_ call: Call, _ result: JSONValue) {
            let shaped = ResultShaper.shape(result: result, method: MCPMethod.toolsCall, version: call.version, cache: .uncached, serverInfo: call.agent.serverInfo)
            deliver(call, Self.response(to: call, "result", shaped))
        }

        /// Answers the call with a JSON-RPC error (what the engine would throw for it).
        private func refuse(_ call: Call, _ error: JSONRPCError) {
            deliver(call, Self.response(to: call, "error", error.json), status: StatusMapping.status(for: error.code))
        }

        /// The JSON-RPC response to `call` whose `member` ("result" or "error") is `value`.
        private static func response(to call: Call, _ member: StaticString, _ value: JSONValue) -> [UInt8] {
            var out: [UInt8] = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
            out += call.clientID
            out += #",""#.utf8
            out += UnsafeBufferPointer(start: member.utf8Start, count: member.utf8CodeUnitCount)
            out += #"":"#.utf8
            out += JSONWriter.bytes(value)
            out += "}".utf8
            return out
        }

        /// A finished answer (one JSON text): to the call's own reply, or as a line into the
        /// client's stream with the others of this read.
        private func deliver(_ call: Call, _ text: [UInt8], status: Int = 200) {
            if let reply = call.reply {
                reply.answer(text, status: status)
                state.withLock { $0.handingOver -= 1 }
            } else {
                state.withLock { s in
                    s.toClient += text
                    s.toClient.append(0x0A)
                    s.handingOver -= 1
                }
            }
        }

        /// An upstream asked for input mid-call (2026 `input_required`): the MCP client answers and
        /// retries as it does for every call, and the outcome goes to the client when it comes.
        private func resume(_ call: Call, after first: JSONValue) {
            guard let (client, _) = call.connection.wire else {
                answer(call, AgentCatalogProvider.failedCall(call.exposedName, UpstreamError.unavailable(server: call.connection.key.serverID, reason: "restarted")))
                return
            }
            let arguments = (try? JSONParser.parse(Array(call.bytes[call.arguments])))?.objectValue ?? [:]
            let remaining = max(.milliseconds(1), call.idle - (ContinuousClock.now - call.startedAt))
            Task {
                let result: JSONValue
                do {
                    let outcome = try await client.resumeToolCall(call.upstreamTool, arguments: arguments, after: first, timeout: remaining, capabilities: [:])
                    call.connection.noteSuccess()
                    // The client read this answer, not the relay's tap (which redacts what it reads).
                    result = call.connection.secrets.redact(outcome.json)
                } catch {
                    if UpstreamConnection.countsAgainstUpstream(error, callerCancelled: false) { call.connection.noteFailure(error, on: call.transport) }
                    if call.version.isModern, call.connection.era == .modern,
                       let refusal = AgentCatalogProvider.missingCapability(call.exposedName, error, callerCapabilities: [:], secrets: call.connection.secrets) {
                        self.refuse(call, refusal)
                        self.flushToClient()
                        return
                    }
                    result = AgentCatalogProvider.failedCall(call.exposedName, error, secrets: call.connection.secrets)
                }
                self.answer(call, result)
                self.flushToClient()
            }
        }

        /// Progress restarts a call's idle deadline, never past the absolute ceiling of a call.
        private func progressed(_ number: UInt64) {
            let now = ContinuousClock.now
            state.withLock { s in
                guard let call = s.calls[number] else { return }
                call.deadline = min(now + call.idle, call.startedAt + call.connection.options.callCeiling)
            }
        }

        private func scheduleSweep() {
            _ = ticker.schedule(after: Self.sweepInterval) { self.sweep() }
        }

        /// Ends every call past its deadline — cancelled upstream and reported as the engine
        /// reports it — and comes back while calls remain.
        private func sweep() {
            let now = ContinuousClock.now
            let (expired, again) = state.withLock { s -> ([(UInt64, Call)], Bool) in
                var expired: [(UInt64, Call)] = []
                for (number, call) in s.calls where call.deadline <= now { expired.append((number, call)) }
                for (number, _) in expired { _ = Self.takeForAnswer(number, in: &s) }
                s.sweeping = !s.calls.isEmpty && !s.closed
                return (expired, s.sweeping)
            }
            if again { scheduleSweep() }
            for (number, call) in expired {
                cancelUpstream(number, call, reason: "timeout")
                call.connection.noteFailure()
                answer(call, AgentCatalogProvider.failedCall(call.exposedName, UpstreamError.timedOut(server: call.connection.key.serverID, after: call.idle)))
            }
            if !expired.isEmpty { flushToClient() }
        }

        private func upstreamClosed(_ transport: ObjectIdentifier, reason: String) {
            let lost = state.withLock { s -> [Call] in
                if s.recent?.key == transport { s.recent = nil }
                s.outboxes[transport] = nil
                s.upstreamMeta[transport] = nil
                s.tapped[transport] = nil
                let gone = s.calls.filter { $0.value.transport == transport }
                for number in gone.keys { _ = Self.takeForAnswer(number, in: &s) }
                return Array(gone.values)
            }
            for call in lost {
                call.connection.noteLost(transport)
                answer(call, AgentCatalogProvider.failedCall(call.exposedName, MCPClientError.closed(reason)))
            }
            if !lost.isEmpty { flushToClient() }
        }

        private func cancelUpstream(_ number: UInt64, _ call: Call, reason: String) {
            guard let (_, transport) = call.connection.wire, ObjectIdentifier(transport) == call.transport else { return }
            var line: [UInt8] = Array(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"#.utf8)
            Self.appendID(number, to: &line)
            line += #","reason":""#.utf8
            line += reason.utf8
            line += "\"}}\n".utf8
            transport.sendLines(line)
        }

        private func flushToClient() {
            let out = state.withLock { s -> [UInt8] in
                defer { s.toClient = [] }
                if !s.toClient.isEmpty { s.handingOver += 1 }
                return s.toClient
            }
            guard !out.isEmpty else { return }
            emit(out)
            state.withLock { $0.handingOver -= 1 }
        }

        // MARK: - Ids

        static func appendID(_ number: UInt64, to bytes: inout [UInt8]) {
            bytes.append(literal: #""ab-"#)
            bytes.append(decimal: number)
            bytes.append(UInt8(ascii: "\""))
        }

        /// The call number in a raw `"ab-N"` id or token.
        static func ourNumber(_ range: Range<Int>, in line: UnsafeBufferPointer<UInt8>) -> UInt64? {
            let start = range.lowerBound + 1 + idPrefix.count, end = range.upperBound - 1
            guard range.count > idPrefix.count + 2, line[range.lowerBound] == UInt8(ascii: "\""), end - start <= 19,
                  line[(range.lowerBound + 1)..<start].elementsEqual(idPrefix) else { return nil }
            var value: UInt64 = 0
            for i in start..<end {
                let digit = line[i] &- 0x30
                guard digit <= 9 else { return nil }
                value = value &* 10 &+ UInt64(digit)
            }
            return value
        }

        /// Whether `line` contains `"ab-` at all: most lines that are not ours are passed on
        /// without scanning.
        static func mentionsOurID(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
            let needle = idNeedle
            let last = line.count - needle.count
            guard last >= 0 else { return false }
            var i = 0
            while i <= last {
                if line[i] == 0x22 && line[i + 1] == needle[1] && line[i + 2] == needle[2] && line[i + 3] == needle[3] { return true }
                i += 1
            }
            return false
        }
    }
}
