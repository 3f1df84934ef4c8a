/// Questions about a block that Swift's `case` patterns make awkward in a filter or a map.
extension ModelContent {
    var isToolUse: Bool {
        if case .toolUse = self { return true }
        return false
    }

    var isToolResult: Bool {
        if case .toolResult = self { return true }
        return false
    }

    /// The fields of a `toolResult`, nil for other blocks.
    var toolResult: (id: String, content: String, isError: Bool)? {
        if case .toolResult(let id, let content, let isError) = self { return (id, content, isError) }
        return nil
    }
}
