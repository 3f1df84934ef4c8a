// ApprovalQuestion: how an approval is put to the person at an MCP client, and how their answer is
// read — one form for a run's approvals (`run_agent` following a run) and for a gateway caller's
// `request_confirmation` call, so both ask the same question and accept the same answers.
//
// The question shows the exact arguments; its key carries the approval id and a digest of those
// arguments, so an answer can only decide the call it was shown. The person approves or rejects,
// may give edited arguments (a JSON object, as text: elicitation forms hold only flat values) and
// a reason the agent is told.

import Hashing
import JSON
import MCPServer
import Platform

/// The elicitation that decides one approval.
public enum ApprovalQuestion {
    /// A person's decision read from an elicitation answer.
    public struct Answer: Sendable, Equatable {
        public var approve: Bool
        /// Edited arguments (a JSON object), when the person gave any.
        public var arguments: JSONValue?
        public var reason: String?
    }

    /// The question asking a person to decide `approval`, under its key.
    public static func question(_ approval: Approval) -> (String, InputRequest) {
        let shown = JSONWriter.string(approval.arguments, sortKeys: true)
        let message = "Agent \(approval.agentID) wants to call \(approval.toolName)"
            + (approval.serverID.map { " on \($0)" } ?? "") + " with arguments \(shown). Approve it? (approval \(approval.id))"
        let schema: JSONValue = [
            "type": "object",
            "properties": [
                "approve": ["type": "boolean", "title": "Approve this call"],
                "arguments": ["type": "string", "title": "Edited arguments (JSON object, optional)"],
                "reason": ["type": "string", "title": "Reason (shown to the agent)"],
            ],
            "required": ["approve"],
        ]
        return (key(approval), InputRequest.elicitation(message: message, schema: schema))
    }

    /// The question key of `approval`: its id and a digest of the exact arguments shown.
    public static func key(_ approval: Approval) -> String {
        let digest = Hex.encode(Array(SHA256.hash(Array(JSONWriter.string(approval.arguments, sortKeys: true).utf8)).prefix(8)))
        return "approval:\(approval.id):\(digest)"
    }

    /// Reads the client's answer: approving needs `accept` with `approve: true`; a decline or
    /// cancel rejects, with a reason saying so. Throws −32602 for an answer that is not an
    /// `ElicitResult`, and `PlatformError.invalid` for edited arguments that are not a JSON object.
    public static func answer(_ json: JSONValue) throws -> Answer {
        let result = try ElicitResult(json: json)
        let approve = result.action == .accept && result.content?["approve"]?.boolValue == true
        var edited: JSONValue?
        if approve, let text = result.content?["arguments"]?.stringValue, !text.allSatisfy(\.isWhitespace) {
            guard let parsed = try? JSONParser.parse(Array(text.utf8)), parsed.objectValue != nil else {
                throw PlatformError.invalid("$.arguments", "the edited arguments must be a JSON object")
            }
            edited = parsed
        }
        let reason = result.content?["reason"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            ?? (approve ? nil : (result.action == .accept ? "rejected in the client" : "\(result.action.rawValue)d in the client"))
        return Answer(approve: approve, arguments: edited, reason: reason)
    }
}
