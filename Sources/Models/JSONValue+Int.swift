import JSON

extension JSONValue {
    /// An integer member as `Int` (token counts, indices), tolerating numbers written with a
    /// fraction such as `3.0`, which some compatible servers emit.
    var int: Int? {
        guard let i = intValue else { return nil }
        return Int(exactly: i)
    }
}
