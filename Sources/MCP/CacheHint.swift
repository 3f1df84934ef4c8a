import JSON

/// 2026 cache hints for cacheable results: how long a result stays fresh and who may share it.
public struct CacheHint: Sendable, Hashable {
    public enum Scope: String, Sendable { case `public`, `private` }
    public var ttlMs: Int
    public var scope: Scope

    public init(ttlMs: Int, scope: Scope) {
        self.ttlMs = max(0, ttlMs)
        self.scope = scope
    }

    /// Stale at once, per credential: safe for anything that can change or differ by caller.
    public static let uncached = CacheHint(ttlMs: 0, scope: .private)
}
