// AgentPage: one page of `AgentStore.list`, ordered by id, with the cursor for the next page.

/// A page of agents.
public struct AgentPage: Sendable, Hashable {
    /// The agents of this page, by id.
    public let items: [Agent]
    /// Pass as `after` to get the next page; nil when this is the last page.
    public let nextCursor: String?

    public init(items: [Agent], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
