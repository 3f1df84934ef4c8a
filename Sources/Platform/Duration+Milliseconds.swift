// Duration+Milliseconds: a Duration as the integer milliseconds the platform's timestamps use
// (approval expiries are stored as Unix milliseconds).

extension Duration {
    /// Whole milliseconds (rounded down).
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
