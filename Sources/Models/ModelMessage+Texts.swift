extension ModelMessage {
    /// The text blocks that hold more than whitespace: what a person actually wrote.
    var texts: [String] {
        content.compactMap { block in
            if case .text(let text) = block, !text.trimmingWhitespace.isEmpty { return text }
            return nil
        }
    }
}
