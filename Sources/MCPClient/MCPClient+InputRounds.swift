import JSON
import JSONRPC
import MCP

/// 2026 multi-round-trip requests (DIGEST §5): an `input_required` result is answered through the
/// input provider and the request is sent again — under a fresh id (the peer numbers every
/// request anew), with the same params plus `inputResponses` and the byte-exact `requestState`.
extension MCPClient {
    func modernRounds(_ method: String, _ params: JSONObject, version: ProtocolVersion, timeout: Duration,
                      input: MCPInputProvider? = nil, first: JSONValue? = nil) async throws(MCPClientError) -> JSONValue {
        var first = first
        var responses: JSONObject?
        var requestState: String?
        var stateOnlyDelay: Duration = .milliseconds(50)
        var rounds = 0
        while true {
            var attempt = params
            if let responses { attempt["inputResponses"] = .object(responses) }
            if let requestState { attempt["requestState"] = .string(requestState) }
            let result: JSONValue
            if let answered = first {
                first = nil
                result = answered
            } else {
                result = try await exchange(method, attempt, stamp: .modern(version), timeout: timeout)
            }
            guard case .object(let o) = result else {
                throw .protocolViolation("\(method) returned a result that is not an object")
            }
            switch o["resultType"] {
            case nil, .string("complete")?:
                return result
            case .string("input_required")?:
                break
            case let other?:
                throw .protocolViolation("\(method) returned resultType \(other), which this client does not know")
            }
            guard MCPMethodNames.isMultiRoundTrip(method) else {
                throw .protocolViolation("\(method) returned input_required, which only tools/call, prompts/get and resources/read may")
            }
            rounds += 1
            if rounds > configuration.maxInputRounds { throw .tooManyInputRounds(configuration.maxInputRounds) }
            var requests: JSONObject?
            switch o["inputRequests"] {
            case nil: requests = nil
            case .object(let r)?: requests = r
            default: throw .protocolViolation("\(method) returned \"inputRequests\" that is not an object")
            }
            switch o["requestState"] {
            case nil: requestState = nil
            case .string(let s)?: requestState = s
            default: throw .protocolViolation("\(method) returned a \"requestState\" that is not a string")
            }
            if let requests, !requests.isEmpty {
                responses = try await answerInputRequests(requests, relatedMethod: method, input: input)
                stateOnlyDelay = .milliseconds(50)
            } else {
                guard requestState != nil else {
                    throw .protocolViolation("\(method) returned input_required with neither inputRequests nor requestState")
                }
                // State only: the server asks us to retry (load shedding). Back off a little.
                responses = nil
                do {
                    try await Task.sleep(for: stateOnlyDelay)
                } catch {
                    throw .cancelled(method: method)
                }
                stateOnlyDelay = min(stateOnlyDelay * 2, .milliseconds(250))
            }
        }
    }

    /// Goes on with a 2026 `tools/call` that was sent outside this client (by a relay writing the
    /// request bytes itself) and answered with `first`, which may ask for input: answers it and
    /// retries exactly as `callTool` would have. `first` must be the call's result object;
    /// `capabilities` must be what the first request declared, if not the connection's.
    public func resumeToolCall(_ name: String, arguments: JSONObject, after first: JSONValue, timeout: Duration,
                               input: MCPInputProvider? = nil, capabilities: JSONObject? = nil) async throws(MCPClientError) -> MCPToolCallResult {
        let negotiation = try connected()
        guard negotiation.era == .modern else { return try MCPToolCallResult(json: first) }
        var params: JSONObject = ["name": .string(name), "arguments": .object(arguments)]
        if let capabilities { params["_meta"] = [MCPMetaKey.clientCapabilities: .object(capabilities)] }
        return try MCPToolCallResult(json: try await modernRounds(
            MCPMethod.toolsCall, params, version: negotiation.protocolVersion, timeout: timeout, input: input, first: first))
    }

    /// Answers every input request of one round, concurrently; the first refusal fails the round.
    func answerInputRequests(_ requests: JSONObject, relatedMethod: String, input: MCPInputProvider? = nil) async throws(MCPClientError) -> JSONObject {
        var parsed: [(String, MCPInputRequest)] = []
        for (key, value) in requests {
            guard let method = value["method"]?.stringValue, MCPInputRequest(method: method, params: [:], era: .modern).kind != nil else {
                throw .protocolViolation("input request \"\(key)\" is not an elicitation, sampling or roots request")
            }
            let params: JSONObject
            switch value["params"] {
            case nil: params = [:]
            case .object(let p)?: params = p
            default: throw .protocolViolation("input request \"\(key)\" has params that are not an object")
            }
            parsed.append((key, MCPInputRequest(method: method, params: params, era: .modern, key: key, relatedMethod: relatedMethod)))
        }
        let provider = input ?? events.inputProvider
        let outcome = await withTaskGroup(of: (String, Result<JSONValue, MCPClientError>).self) { group -> Result<[String: JSONValue], MCPClientError> in
            for (key, request) in parsed {
                group.addTask { (key, await Self.answer(request, with: provider)) }
            }
            var answers: [String: JSONValue] = [:]
            for await (key, result) in group {
                switch result {
                case .success(let answer): answers[key] = answer
                case .failure(let error):
                    group.cancelAll()
                    return .failure(error)
                }
            }
            return .success(answers)
        }
        let answers = try outcome.get()
        return JSONObject(parsed.map { ($0.0, answers[$0.0]!) })
    }

    /// One input request through the provider, or its default answer.
    static func answer(_ request: MCPInputRequest, with provider: MCPInputProvider?) async -> Result<JSONValue, MCPClientError> {
        do {
            if let provider, let answer = try await provider(request) { return .success(answer) }
            if let fallback = request.defaultAnswer { return .success(fallback) }
            return .failure(.inputRefused("the server asked for \(request.method), which this client cannot answer"))
        } catch let error as MCPClientError {
            if case .cancelled = error { return .failure(error) }
            return .failure(.inputRefused("\(request.method): \(error)"))
        } catch is CancellationError {
            return .failure(.cancelled(method: request.method))
        } catch {
            return .failure(.inputRefused("\(request.method): \(error)"))
        }
    }
}
