// AgentScript: the canned replies of an agent that runs on the offline `scripted` model
// (`"script": {"rules": [{"contains": "…", "reply": "…"}]}` in a spec). The scripted model answers
// a message without tool calls with the reply of the first rule whose `contains` occurs in it, so
// a demo agent can hold a small conversation without a network. Parsed as strictly as the rest of
// the spec (unknown fields, empty or oversized texts are issues) and written back in canonical
// form, so it round-trips with the spec. Other model kinds ignore it.

import JSON

/// The scripted model's rules of one agent.
public struct AgentScript: Sendable, Hashable {
    /// Most rules.
    public static let maxRules = 100
    /// Longest `contains`, in characters.
    public static let maxContainsLength = 1024
    /// Longest `reply`, in characters.
    public static let maxReplyLength = 65536

    /// One canned reply.
    public struct Rule: Sendable, Hashable {
        /// Matched case-insensitively against the user's message.
        public let contains: String
        /// The answer (may span lines).
        public let reply: String
    }

    /// Tried in order; the first match wins.
    public let rules: [Rule]

    /// Reads `script` from `reader` (its path, e.g. `$.script`).
    static func read(_ reader: SpecReader) -> AgentScript {
        let issues = reader.issues
        let rules = reader.array("rules", required: true, maxCount: maxRules) { item, itemPath -> Rule? in
            guard case .object = item else {
                issues.add(itemPath, "must be an object (got \(item.typeName))")
                return nil
            }
            let rule = SpecReader(item, path: itemPath, issues: issues)
            let contains = rule.string("contains", required: true, maxLength: maxContainsLength)
            let reply = AgentSpec.multilineText(rule, "reply", required: true, maxLength: maxReplyLength)
            rule.finish()
            guard let contains, let reply else { return nil }
            return Rule(contains: contains, reply: reply)
        } ?? []
        reader.finish()
        return AgentScript(rules: rules)
    }

    /// Canonical JSON.
    public var json: JSONValue {
        .object(["rules": .array(rules.map { .object(["contains": .string($0.contains), "reply": .string($0.reply)]) })])
    }
}
