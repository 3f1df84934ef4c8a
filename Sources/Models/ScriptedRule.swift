import JSON

/// A canned answer of the scripted model: when the user's text contains `contains`
/// (case-insensitive), reply with `reply`.
///
/// Agent configurations carry these as `[{ "contains": "...", "reply": "..." }]`; the first
/// matching rule wins, so an empty `contains` placed last acts as a default.
public struct ScriptedRule: Sendable, Hashable {
    public var contains: String
    public var reply: String

    public init(contains: String, reply: String) {
        self.contains = contains
        self.reply = reply
    }

    /// Most rules one configuration may hold.
    public static let maxRules = 1000

    /// Validates `json` as a rule list, reporting every problem with its path
    /// (`$[2].reply: required`), not just the first.
    public static func parse(from json: JSONValue, path: String = "$") throws(ScriptedRuleError) -> [ScriptedRule] {
        guard case .array(let items) = json else {
            throw ScriptedRuleError(problems: ["\(path): expected an array of {\"contains\", \"reply\"} objects, got \(json.typeName)"])
        }
        var problems: [String] = []
        if items.count > maxRules { problems.append("\(path): at most \(maxRules) rules, got \(items.count)") }
        var rules: [ScriptedRule] = []
        for (i, item) in items.enumerated() {
            let at = "\(path)[\(i)]"
            guard case .object(let object) = item else {
                problems.append("\(at): expected an object with contains and reply, got \(item.typeName)")
                continue
            }
            for key in object.keys where key != "contains" && key != "reply" {
                problems.append("\(at).\(key): unknown key (expected contains, reply)")
            }
            let contains = string(object["contains"], at: "\(at).contains", allowEmpty: true, &problems)
            let reply = string(object["reply"], at: "\(at).reply", allowEmpty: false, &problems)
            if let contains, let reply { rules.append(ScriptedRule(contains: contains, reply: reply)) }
        }
        guard problems.isEmpty else { throw ScriptedRuleError(problems: problems) }
        return rules
    }

    private static func string(_ value: JSONValue?, at path: String, allowEmpty: Bool, _ problems: inout [String]) -> String? {
        guard let value else {
            problems.append("\(path): required")
            return nil
        }
        guard case .string(let text) = value else {
            problems.append("\(path): expected a string, got \(value.typeName)")
            return nil
        }
        if !allowEmpty && text.isEmpty {
            problems.append("\(path): must not be empty")
            return nil
        }
        return text
    }
}
