import JSON
import JSONRPC
import MCP
import Synchronization

/// Era negotiation (DIGEST §11.1–11.2): `server/discover` first, `initialize` as the fallback.
///
/// The probe is a denylist, like SDK 2.3.0's: only positive evidence of a modern server (a
/// `DiscoverResult` naming a modern version we speak, or −32022 naming one) makes the connection
/// modern; any other error, an unusable result or silence past `probeTimeout` falls back to the
/// handshake. Transport failures (the server exited) are not evidence and propagate. A transport
/// that carries only the handshake era (`carriesModernEra` false) is never probed.
extension MCPClient {
    /// Settles the era and version with the server. Later calls return the first outcome; a call
    /// while another is still negotiating is refused.
    @discardableResult
    public func connect(era preference: MCPEraPreference = .auto) async throws(MCPClientError) -> MCPNegotiation {
        let (done, closed, busy) = state.withLock { s -> (MCPNegotiation?, String?, Bool) in
            let busy = s.connecting
            if s.negotiation == nil && s.closedReason == nil && !busy { s.connecting = true }
            return (s.negotiation, s.closedReason, busy)
        }
        if let closed { throw .closed(closed) }
        if let done { return done }
        if busy { throw .unsupported("connect is already running on this client") }
        defer { state.withLock { $0.connecting = false } }
        switch preference {
        case .legacy: return try await handshakeUnlessModern()
        case .modern:
            guard transport.carriesModernEra else {
                throw .unsupported("this transport carries only the initialize handshake, not the 2026 protocol")
            }
            return try await connectModern()
        case .auto: return transport.carriesModernEra ? try await negotiateAuto() : try await initialize()
        }
    }

    private func negotiateAuto() async throws(MCPClientError) -> MCPNegotiation {
        var version = configuration.preferredModernVersion
        // After `initialize` got −32022 the server is known to be alive and modern, so the
        // re-probe waits like any request instead of the short probe timeout.
        var probeTimeout = configuration.probeTimeout
        for attempt in 0..<2 {
            switch await probe(version, timeout: probeTimeout) {
            case .answered(.success(let result)):
                if let modern = modernNegotiation(result, asked: version) { return adopt(modern) }
            case .answered(.failure(let error)):
                switch error {
                case .server(let code, _, let data) where code == JSONRPCErrorCode.unsupportedProtocolVersion.rawValue:
                    let supported = Self.supportedVersions(data)
                    if attempt == 0, let mutual = mutualModern(supported) {
                        version = mutual
                        continue
                    }
                    if let supported, !supported.isEmpty, !supported.contains(where: Self.isHandshakeVersion) {
                        throw .incompatible("the server speaks only \(supported.joined(separator: ", ")); this client speaks "
                                            + ProtocolVersion.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                case .server, .transport, .protocolViolation, .timeout:
                    break
                default:
                    throw error  // closed, cancelled: not an era verdict
                }
            case .silent:
                break
            }
            do throws(MCPClientError) {
                return try await initialize()
            } catch {
                // −32022 on the handshake is modern evidence: a probe that timed out here may have
                // locked the server modern. Re-probe once at a version it names.
                guard attempt == 0, case .server(let code, _, let data) = error,
                    code == JSONRPCErrorCode.unsupportedProtocolVersion.rawValue,
                    let mutual = mutualModern(Self.supportedVersions(data) ?? [configuration.preferredModernVersion.rawValue])
                else { throw error }
                version = mutual
                probeTimeout = configuration.requestTimeout
            }
        }
        throw .incompatible("the server answered neither server/discover nor initialize with a version this client speaks")
    }

    /// `.legacy`: the handshake only — unless the server refuses it with −32022 naming a 2026
    /// version we speak. That answer proves the server modern, and a caller that asked for the
    /// handshake because of what it once saw (a gateway whose child died on the probe) would
    /// otherwise meet the same refusal on every start; one `server/discover` at a version the
    /// server named settles it instead.
    private func handshakeUnlessModern() async throws(MCPClientError) -> MCPNegotiation {
        do throws(MCPClientError) {
            return try await initialize()
        } catch {
            guard transport.carriesModernEra, case .server(let code, _, let data) = error,
                code == JSONRPCErrorCode.unsupportedProtocolVersion.rawValue,
                let mutual = mutualModern(Self.supportedVersions(data) ?? [configuration.preferredModernVersion.rawValue])
            else { throw error }
            return try await connectModern(from: mutual)
        }
    }

    /// `.modern`: discover must succeed (one retry at a version named by −32022).
    private func connectModern(from first: ProtocolVersion? = nil) async throws(MCPClientError) -> MCPNegotiation {
        var version = first ?? configuration.preferredModernVersion
        for attempt in 0..<2 {
            do throws(MCPClientError) {
                let result = try await exchange(MCPMethod.discover, [:], stamp: .modern(version), timeout: configuration.requestTimeout)
                guard let modern = modernNegotiation(result, asked: version) else {
                    throw MCPClientError.incompatible("server/discover named no protocol version this client speaks")
                }
                return adopt(modern)
            } catch {
                guard attempt == 0, case .server(let code, _, let data) = error,
                    code == JSONRPCErrorCode.unsupportedProtocolVersion.rawValue,
                    let mutual = mutualModern(Self.supportedVersions(data)), mutual != version
                else { throw error }
                version = mutual
            }
        }
        throw .incompatible("the server accepted no 2026 protocol version this client speaks")
    }

    /// The handshake: `initialize` at our handshake version, any handshake version accepted back,
    /// then `notifications/initialized`.
    private func initialize() async throws(MCPClientError) -> MCPNegotiation {
        let params: JSONObject = [
            "protocolVersion": .string(configuration.legacyVersion.rawValue),
            "capabilities": .object(declaredCapabilities),
            "clientInfo": configuration.clientInfo.json,
        ]
        let result = try await exchange(MCPMethod.initialize, params, stamp: .none, timeout: configuration.requestTimeout)
        guard case .object(let o) = result, let answered = o["protocolVersion"]?.stringValue else {
            throw .protocolViolation("the initialize result has no string \"protocolVersion\"")
        }
        guard let version = ProtocolVersion(rawValue: answered), !version.isModern else {
            throw .incompatible("the server answered initialize with protocol version \(answered), which is not a handshake version this client speaks")
        }
        let negotiation = MCPNegotiation(
            era: .legacy, protocolVersion: version, serverInfo: o["serverInfo"],
            capabilities: o["capabilities"]?.objectValue ?? [:], instructions: o["instructions"]?.stringValue,
            supportedVersions: [answered], rawResult: result)
        adopt(negotiation)
        peer.notify(MCPMethod.initialized)
        return negotiation
    }

    @discardableResult
    private func adopt(_ negotiation: MCPNegotiation) -> MCPNegotiation {
        state.withLock { $0.negotiation = negotiation }
        return negotiation
    }

    /// A `DiscoverResult` that names a modern version we speak, as a negotiation; nil otherwise.
    private func modernNegotiation(_ result: JSONValue, asked: ProtocolVersion) -> MCPNegotiation? {
        guard case .object(let o) = result, let list = o["supportedVersions"]?.arrayValue,
            case .object(let capabilities)? = o["capabilities"]
        else { return nil }
        let versions = list.compactMap(\.stringValue)
        guard versions.count == list.count else { return nil }
        let known = versions.compactMap(ProtocolVersion.init(rawValue:)).filter(\.isModern)
        let chosen: ProtocolVersion
        if known.contains(asked) {
            chosen = asked
        } else if known.contains(configuration.preferredModernVersion) {
            chosen = configuration.preferredModernVersion
        } else if let best = known.max() {
            chosen = best
        } else {
            return nil
        }
        return MCPNegotiation(era: .modern, protocolVersion: chosen, serverInfo: o["_meta"]?[MCPMetaKey.serverInfo],
                              capabilities: capabilities, instructions: o["instructions"]?.stringValue,
                              supportedVersions: versions, rawResult: result)
    }

    private func mutualModern(_ supported: [String]?) -> ProtocolVersion? {
        let known = (supported ?? []).compactMap(ProtocolVersion.init(rawValue:)).filter(\.isModern)
        if known.contains(configuration.preferredModernVersion) { return configuration.preferredModernVersion }
        return known.max()
    }

    /// `data.supported` of a −32022 error, nil when it is not a list of strings.
    static func supportedVersions(_ data: JSONValue?) -> [String]? {
        guard let list = data?["supported"]?.arrayValue else { return nil }
        let strings = list.compactMap(\.stringValue)
        return strings.count == list.count ? strings : nil
    }

    static func isHandshakeVersion(_ version: String) -> Bool {
        ProtocolVersion(rawValue: version).map { !$0.isModern } ?? false
    }

    enum ProbeOutcome: Sendable {
        case answered(Result<JSONValue, MCPClientError>)
        case silent
    }

    /// `server/discover` at `version`, waiting at most `timeout`. The probe is never cancelled (as
    /// in the SDKs): a late answer is simply dropped, and a legacy server is not sent a
    /// cancellation for a request it may not even have understood.
    private func probe(_ version: ProtocolVersion, timeout: Duration) async -> ProbeOutcome {
        let gate = Mutex<CheckedContinuation<ProbeOutcome, Never>?>(nil)
        let finish: @Sendable (ProbeOutcome) -> Void = { outcome in
            gate.withLock { c -> CheckedContinuation<ProbeOutcome, Never>? in
                defer { c = nil }
                return c
            }?.resume(returning: outcome)
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ProbeOutcome, Never>) in
                gate.withLock { $0 = continuation }
                if Task.isCancelled {
                    finish(.answered(.failure(.cancelled(method: MCPMethod.discover))))
                    return
                }
                let timer = DeadlineTicker.shared.schedule(after: timeout) { finish(.silent) }
                Task { [weak self] in
                    guard let self else { return finish(.answered(.failure(.closed("the client was released")))) }
                    let result: Result<JSONValue, MCPClientError>
                    do throws(MCPClientError) {
                        result = .success(try await self.exchange(MCPMethod.discover, [:], stamp: .modern(version), timeout: nil))
                    } catch {
                        result = .failure(error)
                    }
                    DeadlineTicker.shared.cancel(timer)
                    finish(.answered(result))
                }
            }
        } onCancel: {
            finish(.answered(.failure(.cancelled(method: MCPMethod.discover))))
        }
    }
}
