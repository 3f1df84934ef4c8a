import Bridge
import Foundation
import JSON
import JSONRPC
import MCP
import MCPServer
import Platform
import Synchronization
import Testing

/// A gateway caller's call of a `request_confirmation` tool (`/mcp/agents/A`, `stdio --agent A`)
/// waits for an approval record like a run's call does: the person at the client decides it
/// through elicitation (2026: `input_required`, whose retry names the approval), or anyone who
/// may decide approvals decides it elsewhere — whichever is first — and the arguments approved
/// (possibly edited) are exactly the ones the upstream receives. The fixture upstream logs every
/// call it gets, so "not called" is seen, not assumed.
@Suite("Gateway: request_confirmation approvals", .serialized, .timeLimit(.minutes(5)))
struct GatewayApprovalTests {
    static let elicitation: JSONObject = ["elicitation": [:]]

    static func context(principal: String = "key:alice", capabilities: JSONObject = elicitation, state: JSONValue? = nil,
                        responses: JSONObject = [:], progressToken: JSONValue? = nil,
                        emit: @escaping @Sendable (JSONRPCNotification) -> Void = { _ in }) -> RequestContext {
        RequestContext(requestID: .int(1), method: "tools/call", version: .v2026_07_28, clientCapabilities: capabilities,
                       principal: principal, progressToken: progressToken, inputResponses: responses, state: state, emit: emit)
    }

    static func provider(_ harness: RuntimeHarness, approvalTimeout: Duration = .seconds(600)) -> AgentCatalogProvider {
        AgentCatalogProvider(database: harness.database, caller: .local(.http, workspace: "default"), agentID: "fixer",
                             registry: harness.registry, approvalTimeout: approvalTimeout, log: { _ in })
    }

    /// The first round of a call: the question it asks, and the approval it created.
    static func firstRound(_ provider: AgentCatalogProvider, _ harness: RuntimeHarness, text: String,
                           principal: String = "key:alice") async throws -> (InputRequired, Approval) {
        do {
            let result = try await provider.callTool(name: "fix__record", arguments: ["text": .string(text)], context: context(principal: principal))
            Issue.record("the call ran without an approval: \(String(describing: result))")
            throw CancellationError()
        } catch let need as InputRequired {
            let pending = try ApprovalStore(database: harness.database).list(caller: harness.caller, status: .pending)
            let approval = try #require(pending.first { $0.arguments == ["text": .string(text)] })
            return (need, approval)
        }
    }

    static func text(_ result: JSONValue?) -> String {
        result?["content"]?.arrayValue?.compactMap { $0["text"]?.stringValue }.joined(separator: "\n") ?? ""
    }

    @Test func theClientApprovesWithEditedArgumentsAndOnlyTheEditReachesTheUpstream() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixture) { harness in
            let provider = Self.provider(harness)
            let (need, approval) = try await Self.firstRound(provider, harness, text: "as proposed")
            #expect(approval.runID == nil && approval.requestedBy == "key:alice" && approval.agentID == "fixer")
            #expect(approval.serverID == "fix" && approval.toolName == "record")
            let key = ApprovalQuestion.key(approval)
            #expect(need.requestOrder == [key])
            let message = need.requests[key]?.params["message"]?.stringValue ?? ""
            #expect(message.contains(#"{"text":"as proposed"}"#) && message.contains(approval.id), "\(message)")
            #expect(need.state?["approval_id"]?.stringValue == approval.id)
            #expect(fixtureLog(harness.fixtureLogPath).isEmpty, "nothing reached the upstream before the decision")

            let answer: JSONValue = ["action": "accept", "content": ["approve": true, "arguments": #"{"text": "as edited"}"#]]
            let result = try await provider.callTool(
                name: "fix__record", arguments: ["text": "as proposed"], context: Self.context(state: need.state, responses: [key: answer]))
            #expect(result?["isError"]?.boolValue != true)
            #expect(Self.text(result).contains(#"edited arguments {"text":"as edited"}"#), "\(String(describing: result))")
            #expect(Self.text(result).contains("recorded as edited"))
            #expect(result?["_meta"]?["io.agentbridge/approval"] == ["id": .string(approval.id), "arguments_edited": true])
            #expect(fixtureLog(harness.fixtureLogPath) == [#"record {"text": "as edited"}"#])

            let decided = try ApprovalStore(database: harness.database).get(caller: harness.caller, id: approval.id)
            #expect(decided.status == .approved && decided.decidedBy == "key:alice")
            #expect(decided.arguments == ["text": "as proposed"] && decided.approvedArguments == ["text": "as edited"])
            let audits = try harness.database.read { connection in
                try connection.query("SELECT action, detail FROM audit_log WHERE target_id = ? ORDER BY seq", [.text(approval.id)])
                    .map { "\(try $0.string("action")) \(try $0.optionalString("detail") ?? "")" }
            }
            #expect(audits.count == 2 && audits[0].hasPrefix("approvals.request") && audits[1].hasPrefix("approvals.decide"), "\(audits)")
            #expect(!audits.joined().contains("as proposed") && !audits.joined().contains("as edited"), "audit records hold no argument values")
        }
    }

    /// The retry's sealed state stays valid for its whole window, so a client (or anyone who saw
    /// the request) could send it again: the approval allowed one call, and only one is made.
    @Test func aReplayedRetryDoesNotCallTheToolAgain() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixture) { harness in
            let provider = Self.provider(harness)
            let (need, approval) = try await Self.firstRound(provider, harness, text: "once")
            let retry = Self.context(state: need.state, responses: [ApprovalQuestion.key(approval): ["action": "accept", "content": ["approve": true]]])
            let first = try await provider.callTool(name: "fix__record", arguments: ["text": "once"], context: retry)
            #expect(first?["isError"]?.boolValue != true && Self.text(first).contains("recorded once"), "\(Self.text(first))")
            let spent = try ApprovalStore(database: harness.database).get(caller: harness.caller, id: approval.id)
            #expect(spent.status == .approved && spent.usedAt != nil)
            #expect(spent.json["used_at"]?.intValue == spent.usedAt)
            for _ in 0..<2 {
                let replay = try await provider.callTool(name: "fix__record", arguments: ["text": "once"], context: retry)
                #expect(replay?["isError"]?.boolValue == true)
                #expect(Self.text(replay).contains("was already used") && Self.text(replay).contains(approval.id), "\(Self.text(replay))")
            }
            #expect(fixtureLog(harness.fixtureLogPath) == [#"record {"text": "once"}"#], "the upstream was called exactly once")
        }
    }

    @Test func aRejectionOrADeclineIsAToolErrorAndNothingIsCalled() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixture) { harness in
            let provider = Self.provider(harness)
            for (text, answer, expected) in [
                ("rejected", ["action": "accept", "content": ["approve": false, "reason": "not today"]] as JSONValue, "not today"),
                ("declined", ["action": "decline"], "declined in the client"),
            ] {
                let (need, approval) = try await Self.firstRound(provider, harness, text: text)
                let result = try await provider.callTool(
                    name: "fix__record", arguments: ["text": .string(text)],
                    context: Self.context(state: need.state, responses: [ApprovalQuestion.key(approval): answer]))
                #expect(result?["isError"]?.boolValue == true)
                #expect(Self.text(result).contains("was not approved") && Self.text(result).contains(expected), "\(Self.text(result))")
                let decided = try ApprovalStore(database: harness.database).get(caller: harness.caller, id: approval.id)
                #expect(decided.status == .rejected && decided.reason == expected)
            }
            #expect(fixtureLog(harness.fixtureLogPath).isEmpty)
        }
    }

    @Test func aDecisionMadeElsewhereWinsOverTheClientsLaterAnswer() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixture) { harness in
            let provider = Self.provider(harness)
            let (need, approval) = try await Self.firstRound(provider, harness, text: "mine")
            // An administrator approves with an edit before the client retries with a decline.
            try ApprovalStore(database: harness.database).decide(
                caller: harness.caller, id: approval.id, approve: true, arguments: ["text": "the admin's"])
            let result = try await provider.callTool(
                name: "fix__record", arguments: ["text": "mine"],
                context: Self.context(state: need.state, responses: [ApprovalQuestion.key(approval): ["action": "decline"]]))
            #expect(Self.text(result).contains("recorded the admin's"), "\(Self.text(result))")
            #expect(fixtureLog(harness.fixtureLogPath) == [#"record {"text": "the admin's"}"#])
            #expect(try ApprovalStore(database: harness.database).get(caller: harness.caller, id: approval.id).decidedBy == "local")
        }
    }

    @Test func unusableEditedArgumentsRejectTheCall() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixture) { harness in
            let provider = Self.provider(harness)
            let (need, approval) = try await Self.firstRound(provider, harness, text: "x")
            let answer: JSONValue = ["action": "accept", "content": ["approve": true, "arguments": "[1, 2]"]]
            let result = try await provider.callTool(
                name: "fix__record", arguments: ["text": "x"], context: Self.context(state: need.state, responses: [ApprovalQuestion.key(approval): answer]))
            #expect(result?["isError"]?.boolValue == true)
            #expect(Self.text(result).contains("must be a JSON object"), "\(Self.text(result))")
            #expect(fixtureLog(harness.fixtureLogPath).isEmpty)
        }
    }

    @Test func aQuestionAskedWithInputRequiredLastsNoLongerThanItsRetryWindow() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixture) { harness in
            let provider = Self.provider(harness, approvalTimeout: .seconds(3600))
            var context = Self.context()
            context.retryWindow = .seconds(120)
            let before = WallClock.system.nowMilliseconds()
            do {
                _ = try await provider.callTool(name: "fix__record", arguments: ["text": "windowed"], context: context)
                Issue.record("the call ran without an approval")
            } catch is InputRequired {}
            let approval = try #require(try ApprovalStore(database: harness.database).list(caller: harness.caller, status: .pending).first)
            #expect(approval.expiresAt >= before + 120_000 && approval.expiresAt <= WallClock.system.nowMilliseconds() + 120_000,
                    "expires with the retry window, not the hour")
        }
    }

    @Test func onlyTheCallerThatAskedCanAnswer() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixture) { harness in
            let provider = Self.provider(harness)
            let (_, approval) = try await Self.firstRound(provider, harness, text: "alice's", principal: "key:alice")
            let store = ApprovalStore(database: harness.database)
            #expect(throws: PlatformError.notFound(kind: .approval, id: approval.id)) {
                try store.answer(caller: .local(.http, workspace: "default"), requester: "key:mallory", id: approval.id, approve: true)
            }
            #expect(try store.get(caller: harness.caller, id: approval.id).status == .pending)
        }
    }

    @Test func aClientThatCannotElicitWaitsForADecisionMadeElsewhere() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixture) { harness in
            let provider = Self.provider(harness)
            let notes = Mutex<[JSONValue]>([])
            let context = Self.context(capabilities: [:], progressToken: "p1", emit: { note in notes.withLock { $0.append(note.params ?? .null) } })
            let call = Task { try await provider.callTool(name: "fix__record", arguments: ["text": "waiting"], context: context) }
            let store = ApprovalStore(database: harness.database)
            #expect(try await eventually { try !store.list(caller: harness.caller, status: .pending).isEmpty })
            let approval = try #require(try store.list(caller: harness.caller, status: .pending).first)
            #expect(try await eventually { notes.withLock { $0.contains { $0["message"]?.stringValue?.contains(approval.id) == true } } },
                    "progress names the approval to decide")
            #expect(fixtureLog(harness.fixtureLogPath).isEmpty)
            try store.decide(caller: harness.caller, id: approval.id, approve: true, arguments: ["text": "decided elsewhere"])
            let result = try await call.value
            #expect(Self.text(result).contains("recorded decided elsewhere"), "\(Self.text(result))")
            #expect(fixtureLog(harness.fixtureLogPath) == [#"record {"text": "decided elsewhere"}"#])
        }
    }

    /// A handshake-era client connected to the gateway engine in this process; keeps every
    /// message it receives.
    final class LegacyClient: Sendable {
        let connection: ServerConnection
        let inbox = Inbox()

        final class Inbox: Sendable {
            let messages = Mutex<[JSONValue]>([])
        }

        init(_ provider: AgentCatalogProvider) async throws {
            let server = MCPServer(info: Implementation(name: "agentbridge", version: "test"))
            server.setCatalogProvider(provider)
            let inbox = self.inbox
            connection = ServerConnection(server: server, principal: "key:legacy", write: { bytes in
                for line in bytes.split(separator: 0x0A) where !line.isEmpty {
                    if let value = try? JSONParser.parse(Array(line)) { inbox.messages.withLock { $0.append(value) } }
                }
            })
            send(#"{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{}},"clientInfo":{"name":"t","version":"1"}}}"#)
            _ = try #require(await first { $0["id"] == "init" })
            send(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        }

        func send(_ line: String) {
            let bytes = Array(line.utf8)
            bytes.withUnsafeBufferPointer { connection.receive(bytes: $0) }
        }

        /// The first message received that `matches`, waiting up to 60 s.
        func first(_ matches: @escaping (JSONValue) -> Bool) async -> JSONValue? {
            for _ in 0..<6000 {
                if let found = inbox.messages.withLock({ $0.first(where: matches) }) { return found }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return nil
        }
    }

    @Test func aHandshakeClientIsAskedWithinTheRequestAndADecisionElsewhereEndsTheQuestion() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixture) { harness in
            let client = try await LegacyClient(Self.provider(harness))
            let store = ApprovalStore(database: harness.database)

            // Asked within the request; the client's edit is what runs.
            client.send(#"{"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"fix__record","arguments":{"text":"legacy"}}}"#)
            let question = try #require(await client.first { $0["method"] == "elicitation/create" })
            #expect(question["params"]?["message"]?.stringValue?.contains(#"{"text":"legacy"}"#) == true)
            let answer = #"{"action":"accept","content":{"approve":true,"arguments":"{\"text\":\"legacy edited\"}"}}"#
            client.send(#"{"jsonrpc":"2.0","id":\#(JSONWriter.string(question["id"]!)),"result":\#(answer)}"#)
            let first = try #require(await client.first { $0["id"] == "c1" })
            #expect(Self.text(first["result"]).contains("recorded legacy edited"), "\(first)")
            let decided = try #require(try store.list(caller: harness.caller, status: .approved).first)
            #expect(decided.requestedBy == "key:legacy" && decided.decidedBy == "key:legacy")

            // A question the client never answers: a decision made elsewhere ends the wait.
            client.send(#"{"jsonrpc":"2.0","id":"c2","method":"tools/call","params":{"name":"fix__record","arguments":{"text":"unanswered"}}}"#)
            #expect(await client.first { $0["method"] == "elicitation/create" && $0["params"]?["message"]?.stringValue?.contains("unanswered") == true } != nil)
            let pending = try #require(try store.list(caller: harness.caller, status: .pending).first)
            try store.decide(caller: harness.caller, id: pending.id, approve: false, reason: "decided by the admin")
            let second = try #require(await client.first { $0["id"] == "c2" })
            #expect(second["result"]?["isError"] == true)
            #expect(Self.text(second["result"]).contains("decided by the admin"), "\(second)")

            // A client that fails to answer leaves the approval to be decided elsewhere.
            client.send(#"{"jsonrpc":"2.0","id":"c3","method":"tools/call","params":{"name":"fix__record","arguments":{"text":"failed ask"}}}"#)
            let failedQuestion = try #require(await client.first { $0["method"] == "elicitation/create" && $0["params"]?["message"]?.stringValue?.contains("failed ask") == true })
            client.send(#"{"jsonrpc":"2.0","id":\#(JSONWriter.string(failedQuestion["id"]!)),"error":{"code":-32603,"message":"no user here"}}"#)
            let waiting = try #require(try store.list(caller: harness.caller, status: .pending).first)
            try await Task.sleep(for: .milliseconds(300))
            #expect(client.inbox.messages.withLock { !$0.contains { $0["id"] == "c3" } }, "the call waits for a decision")
            try store.decide(caller: harness.caller, id: waiting.id, approve: true)
            let third = try #require(await client.first { $0["id"] == "c3" })
            #expect(Self.text(third["result"]).contains("recorded failed ask"), "\(third)")
            #expect(fixtureLog(harness.fixtureLogPath) == [#"record {"text": "legacy edited"}"#, #"record {"text": "failed ask"}"#])
        }
    }

    @Test func anUndecidedApprovalExpiresAndACancelledWaitWithdrawsIt() async throws {
        try Paths.requirePythonUpstreams()
        try await RuntimeHarness.with(manifest: Manifests.fixture) { harness in
            let store = ApprovalStore(database: harness.database)
            let expiring = Self.provider(harness, approvalTimeout: .seconds(1))
            let result = try await expiring.callTool(name: "fix__record", arguments: ["text": "late"], context: Self.context(capabilities: [:]))
            #expect(result?["isError"]?.boolValue == true)
            #expect(Self.text(result).contains("expired undecided"), "\(Self.text(result))")
            #expect(try store.list(caller: harness.caller).first?.status == .expired)

            let call = Task { try await Self.provider(harness).callTool(name: "fix__record", arguments: ["text": "gone"], context: Self.context(capabilities: [:])) }
            #expect(try await eventually { try !store.list(caller: harness.caller, status: .pending).isEmpty })
            call.cancel()
            _ = try? await call.value
            let withdrawn = try #require(try store.list(caller: harness.caller).first)
            #expect(withdrawn.status == .expired && withdrawn.reason == "the call was cancelled while it waited")
            #expect(fixtureLog(harness.fixtureLogPath).isEmpty)
        }
    }
}
