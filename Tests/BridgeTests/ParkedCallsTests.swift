@testable import Bridge
import JSON
import MCPClient
import MCPServer
import Synchronization
import Testing

/// Era translation for 2026 callers: an upstream call that asks a question mid-call is parked,
/// the caller gets `input_required`, and its retry resumes the same call (never a second call).
@Suite("Parked calls")
struct ParkedCallsTests {
    static func context(state: JSONValue? = nil, responses: JSONObject = [:], capabilities: JSONObject = ["elicitation": [:]]) -> RequestContext {
        RequestContext(requestID: .int(1), method: "tools/call", version: .v2026_07_28, clientCapabilities: capabilities,
                       inputResponses: responses, state: state, emit: { _ in })
    }

    static let question = MCPInputRequest(method: "elicitation/create", params: ["mode": "form", "message": "name?", "requestedSchema": ["type": "object"]], era: .legacy)

    /// An upstream call that asks once and returns what it was told; counts how often it ran.
    final class Upstream: Sendable {
        let runs = Mutex(0)
        let cancelled = Mutex(false)
        func body() -> @Sendable (@escaping InputRouter.Sink) async throws -> JSONValue {
            { sink in
                self.runs.withLock { $0 += 1 }
                let answer = try await sink(ParkedCallsTests.question)
                if Task.isCancelled { self.cancelled.withLock { $0 = true } }
                return ["told": answer ?? "default"]
            }
        }
    }

    func ask(_ parked: ParkedCalls, _ context: RequestContext, _ upstream: Upstream) async throws -> Result<JSONValue, InputRequired> {
        do {
            return .success(try await parked.run(context: context, expired: "expired", upstream.body()))
        } catch let need as InputRequired {
            return .failure(need)
        }
    }

    @Test func aQuestionParksTheCallAndTheRetryResumesIt() async throws {
        let parked = ParkedCalls()
        let upstream = Upstream()
        guard case .failure(let need) = try await ask(parked, Self.context(), upstream) else { Issue.record("no question"); return }
        #expect(need.requestOrder == ["upstream:1"])
        #expect(need.requests["upstream:1"]?.method == "elicitation/create")
        #expect(parked.count == 1)
        let state = try #require(need.state)

        // A retry without the answer is asked the same question again; the call keeps waiting.
        guard case .failure(let again) = try await ask(parked, Self.context(state: state), upstream) else { Issue.record("answered without an answer"); return }
        #expect(again.requestOrder == ["upstream:1"])

        let answer: JSONValue = ["action": "accept", "content": ["name": "ada"]]
        let done = try await ask(parked, Self.context(state: again.state, responses: ["upstream:1": answer]), upstream)
        #expect(try done.get() == ["told": answer])
        #expect(upstream.runs.withLock { $0 } == 1, "the upstream call ran once")
        #expect(parked.count == 0)
    }

    @Test func theParkedCallsStateKeepsWhatEarlierStepsOfTheRequestPutThere() async throws {
        let parked = ParkedCalls()
        let upstream = Upstream()
        // A confirmed call: the approval's id is already in the request's state.
        let earlier: JSONValue = ["approval_id": "apr_1"]
        guard case .failure(let need) = try await ask(parked, Self.context(state: earlier), upstream) else { Issue.record("no question"); return }
        let state = try #require(need.state)
        #expect(state["approval_id"] == "apr_1")
        #expect(state[ParkedCalls.stateKey]?.stringValue != nil)
        let answer: JSONValue = ["action": "accept", "content": ["name": "ada"]]
        let done = try await ask(parked, Self.context(state: state, responses: ["upstream:1": answer]), upstream)
        #expect(try done.get() == ["told": answer])
        #expect(upstream.runs.withLock { $0 } == 1)
    }

    @Test func aCallNobodyResumesIsCancelledAndItsTokenExpires() async throws {
        let parked = ParkedCalls(ttl: .milliseconds(100))
        let upstream = Upstream()
        guard case .failure(let need) = try await ask(parked, Self.context(), upstream) else { Issue.record("no question"); return }
        for _ in 0..<400 where parked.count > 0 || !upstream.cancelled.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(25)) }
        #expect(parked.count == 0)
        #expect(upstream.cancelled.withLock { $0 }, "the waiting upstream call was cancelled")
        let late = try await ask(parked, Self.context(state: need.state, responses: ["upstream:1": ["action": "decline"]]), upstream)
        #expect(try late.get() == "expired")
    }

    @Test func withoutTheCapabilityOrRoomTheQuestionGetsTheDefaultAnswer() async throws {
        let upstream = Upstream()
        let noCapability = try await ask(ParkedCalls(), Self.context(capabilities: ["sampling": [:]]), upstream)
        #expect(try noCapability.get() == ["told": "default"])
        let full = try await ask(ParkedCalls(limit: 0), Self.context(), upstream)
        #expect(try full.get() == ["told": "default"])
    }
}
