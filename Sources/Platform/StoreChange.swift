// StoreChange: what a create-or-update did, so `agentbridge apply` can print a diff summary and
// say "no changes" on a second run.

/// The effect of an idempotent write.
public enum StoreChange: String, Sendable, Hashable {
    case created, updated, unchanged
}
