// RunInput: what a run was asked, as stored in `runs.input` — the message, the variables its
// instructions are rendered with and, for a sub-agent's run, which parent call it answers and at
// what depth. Storing all of it in the run makes a run resumable from its row alone: a restarted
// process knows the exact request and where a child run belongs.

import JSON
import Platform

/// The stored input of a run.
public struct RunInput: Sendable, Hashable {
    /// Longest message, in characters.
    public static let maxMessageLength = 262_144
    /// Most variables.
    public static let maxVariables = 64
    /// Longest variable value, in characters.
    public static let maxValueLength = 65536

    /// The parent call a sub-agent's run answers.
    public struct Parent: Sendable, Hashable {
        public let runID: String
        public let toolCallID: String
        /// 1 for a direct sub-agent of a top-level run, 2 below that, …
        public let depth: Int
    }

    public let message: String
    public let variables: [String: String]
    public let parent: Parent?

    /// Validates a caller's message and variables (every issue at once, with its path).
    public init(message: String, variables: [String: String], parent: Parent? = nil) throws {
        let issues = ValidationIssues()
        if message.isEmpty { issues.add("$.message", "must not be empty") }
        if message.count > Self.maxMessageLength {
            issues.add("$.message", "must be at most \(Self.maxMessageLength) characters (got \(message.count))")
        }
        if variables.count > Self.maxVariables {
            issues.add("$.variables", "must have at most \(Self.maxVariables) entries (got \(variables.count))")
        }
        for (name, value) in variables.sorted(by: { $0.key < $1.key }) {
            if !PromptTemplate.isName(name) {
                issues.add("$.variables", "name \(JSONWriter.string(.string(name))) must match \(PromptTemplate.nameSyntax)")
            }
            if value.count > Self.maxValueLength {
                issues.add("$.variables.\(name)", "must be at most \(Self.maxValueLength) characters (got \(value.count))")
            }
        }
        try issues.throwIfAny()
        self.message = message
        self.variables = variables
        self.parent = parent
    }

    /// Reads a stored input; nil when it is not one the runtime wrote.
    init?(stored json: JSONValue) {
        guard let message = json["message"]?.stringValue else { return nil }
        var variables: [String: String] = [:]
        for (name, value) in json["variables"]?.objectValue ?? [:] {
            guard let text = value.stringValue else { return nil }
            variables[name] = text
        }
        var parent: Parent?
        if let object = json["parent"]?.objectValue {
            guard let runID = object["run_id"]?.stringValue, let call = object["tool_call_id"]?.stringValue,
                  let depth = object["depth"]?.intValue else { return nil }
            parent = Parent(runID: runID, toolCallID: call, depth: Int(depth))
        }
        self.message = message
        self.variables = variables
        self.parent = parent
    }

    /// The stored form (`runs.input`).
    public var json: JSONValue {
        var object: JSONObject = ["message": .string(message)]
        object["variables"] = .object(JSONObject(variables.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))
        if let parent {
            object["parent"] = [
                "run_id": .string(parent.runID), "tool_call_id": .string(parent.toolCallID), "depth": .int(Int64(parent.depth)),
            ]
        }
        return .object(object)
    }

    /// How deep below a top-level run this run is (0 for a top-level run).
    public var depth: Int { parent?.depth ?? 0 }
}
