import JSON
import JSONRPC
import MCP

extension MCPServer {
    /// Runs a multi-round-trip-capable handler (tools/call, prompts/get, resources/read).
    ///
    /// 2026: opens the sealed `requestState`, merges `inputResponses`, and turns `InputRequired`
    /// into an `input_required` result (or −32021 when the request lacks the capability).
    /// Legacy: performs the input requests as server→client requests and runs the handler again
    /// with the answers, up to `maxInputRounds` times.
    func withInputRounds(_ call: Call, _ body: @Sendable (RequestContext) async throws -> JSONValue) async throws -> JSONValue {
        var context = call.context
        if let session = call.session {
            _ = session
            return try await legacyRounds(call, &context, body)
        }
        context.retryWindow = sealer.lifetime
        if let raw = call.params["requestState"] {
            guard let token = raw.stringValue else { throw JSONRPCError.invalidParams("Invalid or expired requestState") }
            let opened = try sealer.open(token, method: context.method, params: call.params, principal: context.principal)
            context.inputResponses = opened.responses
            context.state = opened.state
        }
        if let raw = call.params["inputResponses"] {
            guard let responses = raw.objectValue else { throw JSONRPCError.invalidParams("\"inputResponses\" must be an object") }
            for (k, v) in responses { context.inputResponses[k] = v }
        }
        do {
            return try await body(context)
        } catch let need as InputRequired {
            var required = JSONObject()
            for key in need.requestOrder {
                let request = need.requests[key]!
                if !request.isAllowed(by: context.clientCapabilities) {
                    let (cap, shape) = request.requiredCapability
                    required[cap] = shape
                }
            }
            if !required.isEmpty {
                throw MCPError.missingCapability(.object(required), "This request needs client capabilities the request did not declare: \(required.keys.joined(separator: ", "))")
            }
            var result: JSONObject = ["resultType": "input_required"]
            if !need.requestOrder.isEmpty {
                var requests = JSONObject()
                for key in need.requestOrder { requests[key] = need.requests[key]!.json }
                result["inputRequests"] = .object(requests)
            }
            result["requestState"] = .string(sealer.seal(method: context.method, params: call.params, principal: context.principal,
                                                         responses: context.inputResponses, state: need.state))
            return .object(result)
        }
    }

    private func legacyRounds(_ call: Call, _ context: inout RequestContext, _ body: @Sendable (RequestContext) async throws -> JSONValue) async throws -> JSONValue {
        for _ in 0..<options.maxInputRounds {
            do {
                return try await body(context)
            } catch let need as InputRequired {
                for key in need.requestOrder {
                    context.inputResponses[key] = try await Self.askLegacyClient(need.requests[key]!, capabilities: context.clientCapabilities,
                                                                                   version: context.version, ask: call.clientRequest)
                }
                context.state = need.state
            }
        }
        throw JSONRPCError.internalError("The request needed more than \(options.maxInputRounds) rounds of client input")
    }

    /// Sends one input request to a handshake-era client as a server→client request, shaped for
    /// the session's version; `MissingClientCapability` when the client cannot take it.
    static func askLegacyClient(_ request: InputRequest, capabilities: JSONObject, version: ProtocolVersion,
                                ask: ClientRequester?) async throws -> JSONValue {
        guard request.isAllowed(by: capabilities),
            MCPMethod.named(request.method)?.exists(in: version) == true,
            let ask
        else {
            throw MissingClientCapability(message: "This request needs the client to support \(request.method), which it did not declare")
        }
        var params = request.params
        if request.method == MCPMethod.elicitationCreate, version < .v2025_11_25 {
            params["mode"] = nil
            params["requestedSchema"] = params["requestedSchema"].map { ElicitationSchemaShaper.shape($0, for: version) }
        }
        do {
            return try await ask(request.method, .object(params))
        } catch {
            throw MissingClientCapability(message: "The client could not answer \(request.method): \(error.message) (code \(error.code.rawValue))")
        }
    }
}

