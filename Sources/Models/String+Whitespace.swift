extension String {
    /// Without leading and trailing spaces, tabs and line breaks (no Foundation needed, so the
    /// decoders stay within the standard library).
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
