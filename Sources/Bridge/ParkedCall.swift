// ParkedCall: one upstream call running in a task of its own for a 2026 caller (see
// `ParkedCalls`): the questions it waits on, the steps the caller has still to see, and the
// cancellation that stops it.

import JSON
import MCPClient
import MCPServer
import Synchronization

/// One upstream call running on behalf of a 2026 caller, and the questions it is waiting on.
final class ParkedCall: @unchecked Sendable {
    enum Step: Sendable {
        case finished(Result<JSONValue, any Error>)
        case question(key: String, InputRequest)
    }

    private struct State {
        var steps: [Step] = []
        var waiter: CheckedContinuation<Step, Never>?
        var pending: [String: (answer: CheckedContinuation<JSONValue?, Never>, request: InputRequest)] = [:]
        /// Questions the caller has been shown (the others are still queued in `steps`).
        var shown: Set<String> = []
        var asked = 0
        var task: Task<Void, Never>?
        var cancelled = false
    }

    let token: String
    private let capabilities: JSONObject
    private let canPark: @Sendable () -> Bool
    private let state = Mutex(State())
    /// The ticker entry that cancels the call if nobody resumes it (set while parked).
    var expiry: UInt64? {
        get { expiryBox.withLock { $0 } }
        set { expiryBox.withLock { $0 = newValue } }
    }
    private let expiryBox = Mutex<UInt64?>(nil)

    init(token: String, capabilities: JSONObject, canPark: @escaping @Sendable () -> Bool) {
        self.token = token
        self.capabilities = capabilities
        self.canPark = canPark
    }

    func start(_ body: @escaping @Sendable (@escaping InputRouter.Sink) async throws -> JSONValue) {
        let task = Task {
            let result: Result<JSONValue, any Error>
            do {
                result = .success(try await body { [weak self] request in await self?.ask(request) ?? nil })
            } catch {
                result = .failure(error)
            }
            self.push(.finished(result))
        }
        state.withLock { $0.task = task }
    }

    /// The upstream's question: parked until the caller answers (nil: the default answer, when
    /// the caller cannot take this kind of request or too many calls are parked).
    private func ask(_ upstream: MCPInputRequest) async -> JSONValue? {
        let request = InputRequest(method: upstream.method, params: upstream.params)
        guard request.isAllowed(by: capabilities), canPark() else { return nil }
        return await withCheckedContinuation { continuation in
            let key = state.withLock { state -> String? in
                guard !state.cancelled else { return nil }
                state.asked += 1
                let key = "upstream:\(state.asked)"
                state.pending[key] = (continuation, request)
                return key
            }
            guard let key else { return continuation.resume(returning: nil) }
            push(.question(key: key, request))
        }
    }

    /// Hands the caller's answers to the questions waiting for them; a question the caller was
    /// shown but did not answer is asked again.
    func deliver(_ responses: JSONObject) {
        let ready = state.withLock { state -> [(CheckedContinuation<JSONValue?, Never>, JSONValue)] in
            var ready: [(CheckedContinuation<JSONValue?, Never>, JSONValue)] = []
            for (key, waiting) in state.pending.sorted(by: { $0.key < $1.key }) where state.shown.contains(key) {
                if let answer = responses[key] {
                    ready.append((waiting.answer, answer))
                    state.pending[key] = nil
                } else {
                    state.shown.remove(key)
                    state.steps.append(.question(key: key, waiting.request))
                }
            }
            return ready
        }
        for (continuation, answer) in ready { continuation.resume(returning: answer) }
    }

    /// The next thing the caller must see: the result, or a question.
    func nextStep() async -> Step {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Step? in
                guard !state.steps.isEmpty else {
                    state.waiter = continuation
                    return nil
                }
                let step = state.steps.removeFirst()
                if case .question(let key, _) = step { state.shown.insert(key) }
                return step
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func push(_ step: Step) {
        let waiter = state.withLock { state -> CheckedContinuation<Step, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                if case .question(let key, _) = step { state.shown.insert(key) }
                return waiter
            }
            state.steps.append(step)
            return nil
        }
        waiter?.resume(returning: step)
    }

    /// Stops the upstream call; questions still waiting get the default answer.
    func cancel() {
        let (task, pending) = state.withLock { state in
            state.cancelled = true
            defer { state.pending = [:] }
            return (state.task, Array(state.pending.values))
        }
        for waiting in pending { waiting.answer.resume(returning: nil) }
        task?.cancel()
    }
}
