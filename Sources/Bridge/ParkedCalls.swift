// ParkedCalls: era translation for a 2026 caller whose upstream asks something mid-call.
//
// A 2026 request cannot receive a server→client request: its only way to ask is to end with
// `input_required` and be sent again with the answer. The upstream call, though, is still running
// and waiting for that answer (a handshake-era upstream's `elicitation/create`, or a 2026
// upstream's own input round) and must not be repeated. So the call is parked: it keeps running
// in a task of its own, the caller gets `input_required` whose sealed `requestState` names the
// parked call, and the retry hands the answer to the waiting upstream and waits for what comes
// next — the result or another question. The seal binds the token to the caller's principal and
// arguments, so nobody else can resume the call. A parked call that nobody resumes is cancelled
// after `ttl`; the number parked at once is bounded, and beyond it questions get the default
// answer instead of parking.

import JSON
import JSONRPC
import MCPClient
import MCPServer
import Hashing
import Synchronization

/// The calls waiting for their caller's answer, process-wide.
public final class ParkedCalls: Sendable {
    /// How long a parked call waits for the caller's retry.
    public let ttl: Duration
    /// Most calls parked at once.
    public let limit: Int
    private let parked = Mutex<[String: ParkedCall]>([:])

    public init(ttl: Duration = .seconds(300), limit: Int = 256) {
        self.ttl = ttl
        self.limit = limit
    }

    /// The `requestState` key that names the parked call.
    static let stateKey = "io.agentbridge/parkedCall"

    /// Number of calls parked now.
    public var count: Int { parked.withLock { $0.count } }

    /// Runs `body` (an upstream call that may ask questions through its sink) for a 2026 caller,
    /// or resumes the call this request's `requestState` names. Returns the call's result, or
    /// throws `InputRequired` carrying the upstream's question.
    func run(context: RequestContext, expired: JSONValue,
             _ body: @escaping @Sendable (@escaping InputRouter.Sink) async throws -> JSONValue) async throws -> JSONValue {
        let call: ParkedCall
        if let token = context.state?[Self.stateKey]?.stringValue {
            guard let resumed = take(token) else { return expired }
            call = resumed
            call.deliver(context.inputResponses)
        } else {
            call = ParkedCall(token: Hex.encode(SecureRandom.bytes(16)), capabilities: context.clientCapabilities,
                              canPark: { [weak self] in (self?.count ?? .max) < (self?.limit ?? 0) })
            call.start(body)
        }
        let step = await withTaskCancellationHandler {
            await call.nextStep()
        } onCancel: {
            call.cancel()
        }
        switch step {
        case .finished(let result):
            return try result.get()
        case .question(let key, let request):
            park(call)
            throw InputRequired(requests: [(key, request)], state: [Self.stateKey: .string(call.token)])
        }
    }

    private func park(_ call: ParkedCall) {
        parked.withLock { $0[call.token] = call }
        let token = call.token
        call.expiry = DeadlineTicker.shared.schedule(after: ttl) { [weak self] in
            guard let self, let gone = self.parked.withLock({ $0.removeValue(forKey: token) }) else { return }
            gone.cancel()
        }
    }

    private func take(_ token: String) -> ParkedCall? {
        guard let call = parked.withLock({ $0.removeValue(forKey: token) }) else { return nil }
        if let expiry = call.expiry { DeadlineTicker.shared.cancel(expiry) }
        return call
    }
}

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
