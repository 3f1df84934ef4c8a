// ToolOverride: per-tool exceptions inside a binding (`tools.<name>` in a spec): a different run
// behavior or timeout for one tool (e.g. confirm `delete_issue` while the rest auto-run) and an
// optional alias under which the agent's model sees the tool. Unset fields fall back to the
// binding's own values.

import JSON

/// Overrides for one upstream tool of a binding.
public struct ToolOverride: Sendable, Hashable {
    /// Syntax of an alias: a valid MCP tool name.
    public static let aliasProblem = "must be 1–64 of A–Z a–z 0–9 _ - without \"__\" (a tool name every client accepts; \"__\" separates server and tool in generated names)"

    /// Run behavior for this tool, or nil to use the binding's.
    public let runBehavior: RunBehavior?
    /// Timeout in seconds (1…300) for this tool, or nil to use the binding's.
    public let timeoutSeconds: Int?
    /// The name the agent's model sees instead of the upstream name, or nil.
    public let alias: String?

    init(runBehavior: RunBehavior?, timeoutSeconds: Int?, alias: String?) {
        self.runBehavior = runBehavior
        self.timeoutSeconds = timeoutSeconds
        self.alias = alias
    }

    /// Reads one override object; unknown keys are issues.
    static func read(_ reader: SpecReader) -> ToolOverride {
        let behavior = reader.choice("run_behavior", RunBehavior.spellings).flatMap(RunBehavior.init(rawValue:))
        let timeout = reader.integer("timeout_s", range: BindingSpec.timeoutRange).map { Int($0) }
        var alias: String?
        if let text = reader.string("alias", maxLength: 64) {
            if ToolNaming.isExposedName(text) && !text.contains(ToolNaming.separator) {
                alias = text
            } else {
                reader.issues.add(reader.path("alias"), "\(aliasProblem) (got \(JSONWriter.string(.string(text))))")
            }
        }
        reader.finish()
        return ToolOverride(runBehavior: behavior, timeoutSeconds: timeout, alias: alias)
    }

    /// Canonical JSON: only the fields that are set.
    public var json: JSONValue {
        var object = JSONObject()
        if let runBehavior { object["run_behavior"] = .string(runBehavior.rawValue) }
        if let timeoutSeconds { object["timeout_s"] = .int(Int64(timeoutSeconds)) }
        if let alias { object["alias"] = .string(alias) }
        return .object(object)
    }
}
