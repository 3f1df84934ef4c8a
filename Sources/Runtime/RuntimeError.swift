// RuntimeError: why the runtime could not start, resume or continue a run. Each case reads as
// the failure reason stored on the run (`runs.error`), so it names what to fix.

/// A failure of the agent runtime.
public enum RuntimeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The instructions use variables the run was not given.
    case missingVariables([String])
    /// The agent's `provider/model` cannot be turned into a model client.
    case modelUnavailable(String)
    /// The model kept asking for tools after `max_steps` model turns.
    case maxStepsReached(Int)
    /// A `request_confirmation` tool call was not decided before its approval expired.
    case approvalExpired(approvalID: String, tool: String)
    /// The agent's configuration cannot work as written.
    case configuration(String)
    /// The run cannot be resumed (its configuration or its log is unusable).
    case unresumable(String)
    /// The model's answer could not be used.
    case model(String)
    /// Something the runtime relies on failed (a file, the database).
    case `internal`(String)

    public var description: String {
        switch self {
        case .missingVariables(let names):
            "the instructions need variable\(names.count == 1 ? "" : "s") \(names.joined(separator: ", ")), which the run was not given (pass them as variables)"
        case .modelUnavailable(let reason): "no model client: \(reason)"
        case .maxStepsReached(let steps):
            "max_steps (\(steps)) reached: the model was still calling tools after \(steps) model turn\(steps == 1 ? "" : "s")"
        case .approvalExpired(let id, let tool): "approval \(id) for \(tool) expired before anyone decided it"
        case .configuration(let reason): "configuration problem: \(reason)"
        case .unresumable(let reason): "the run cannot be resumed: \(reason)"
        case .model(let reason): "model error: \(reason)"
        case .internal(let reason): reason
        }
    }
}
