import JSON
import JSONRPC
import MCP

/// What the server sends on its own: its requests (handshake era: elicitation, sampling, roots,
/// ping) and its notifications (list changes, resource updates, logs, progress, listen
/// acknowledgements).
extension MCPClient {
    // MARK: legacy server→client requests

    /// Answers a request the server sent us (handshake era; a 2026 server never sends one).
    func answerServerRequest(_ request: JSONRPCRequest) async -> Result<JSONValue, JSONRPCError> {
        switch request.method {
        case MCPMethod.ping:
            return .success([:])
        case MCPMethod.elicitationCreate, MCPMethod.samplingCreateMessage, MCPMethod.rootsList:
            let input = MCPInputRequest(method: request.method, params: request.paramsObject, era: era ?? .legacy)
            do {
                if let provider = events.inputProvider, let answer = try await provider(input) { return .success(answer) }
                if let fallback = input.defaultAnswer { return .success(fallback) }
                return .failure(JSONRPCError(.methodNotFound, "This client does not support \(request.method)", data: .string(request.method)))
            } catch let error as MCPClientError {
                return .failure(error.jsonRPCError)
            } catch let error as JSONRPCError {
                return .failure(error)
            } catch {
                return .failure(.internalError("The client could not answer \(request.method): \(error)"))
            }
        default:
            return .failure(.methodNotFound(request.method))
        }
    }

    // MARK: notifications

    /// Server notifications other than `notifications/cancelled` (the peer handles those).
    func handleNotification(_ notification: JSONRPCNotification) {
        let params = notification.params
        switch notification.method {
        case MCPMethod.toolsListChanged: events.listChanged?(.tools)
        case MCPMethod.promptsListChanged: events.listChanged?(.prompts)
        case MCPMethod.resourcesListChanged: events.listChanged?(.resources)
        case MCPMethod.resourcesUpdated:
            if let uri = params?["uri"]?.stringValue { events.resourceUpdated?(uri) }
        case MCPMethod.message:
            guard let level = params?["level"]?.stringValue else {
                return reportViolation("notifications/message without a string \"level\"")
            }
            events.log?(MCPLogMessage(levelName: level, logger: params?["logger"]?.stringValue, data: params?["data"] ?? .null))
        case MCPMethod.progress:
            guard let token = params?["progressToken"], let value = params?["progress"]?.doubleValue else {
                return reportViolation("notifications/progress without a progressToken and a numeric progress")
            }
            let callback = state.withLock { $0.progress[token] }
            callback?(MCPProgress(progress: value, total: params?["total"]?.doubleValue, message: params?["message"]?.stringValue))
        case MCPMethod.subscriptionsAcknowledged:
            guard let raw = params?["_meta"]?[MCPMetaKey.subscriptionID], let id = RequestID(raw) else { return }
            let listen = state.withLock { $0.listens[id] }
            listen?.acknowledge(params?["notifications"]?.objectValue ?? [:])
        default:
            break
        }
    }
}
