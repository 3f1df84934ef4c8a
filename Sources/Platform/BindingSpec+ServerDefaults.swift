// The settings a binding takes from its upstream server. An admin who writes
// `default_allowed_tools` and `timeout_s` on a server expects every binding that says nothing
// else to get them; before this existed each consumer read the binding alone and got "deny all"
// and a fixed timeout. Filling the inherited values in here — once, on a copy of the binding —
// lets the gateway, the runtime and `explain` keep asking the binding and agree on the answer.

extension BindingSpec {
    /// This binding with what it leaves out taken from `server`: `allowed_tools` from
    /// `default_allowed_tools` (only when the binding has no `allowed_tools` at all — a written
    /// `[]` stays "nothing"), `timeout_s` from the server's. The binding's own values, and a
    /// per-tool `timeout_s`, still win. Resolving twice is harmless: the `inherits…` flags stay.
    public func inheriting(from server: UpstreamServerSpec) -> BindingSpec {
        var resolved = self
        if inheritsAllowedTools { resolved.allowedTools = server.defaultAllowedTools }
        if inheritsTimeout { resolved.timeoutSeconds = server.timeoutSeconds }
        return resolved
    }
}
