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
            // Kept beside what earlier steps of the same request put there (the approval a
            // confirmed call ran under), so the retry finds both.
            var state = context.state?.objectValue ?? [:]
            state[Self.stateKey] = .string(call.token)
            throw InputRequired(requests: [(key, request)], state: .object(state))
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
