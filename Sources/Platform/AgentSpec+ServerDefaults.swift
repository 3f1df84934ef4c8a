// An agent spec as it is enforced: every binding with its server's defaults filled in
// (`BindingSpec.inheriting(from:)`). Stored versions keep what the admin wrote, so a change to a
// server's defaults reaches every binding that inherits them without a new agent version.

extension AgentSpec {
    /// This spec with each binding resolved against `server(id)`; a binding whose server is not
    /// found (nil) keeps its placeholders — it cannot be called anyway.
    public func inheritingServerDefaults(_ server: (String) -> UpstreamServerSpec?) -> AgentSpec {
        var resolved = self
        resolved.bindings = bindings.map { binding in server(binding.server).map(binding.inheriting(from:)) ?? binding }
        return resolved
    }
}
