import JSON

/// A complete tool call: the provider's id for it, the tool's name and the parsed arguments.
///
/// Complete means the arguments, which both providers stream as JSON text in pieces, were
/// assembled and parsed into an object before this value was made.
public struct ModelToolCall: Sendable, Hashable {
    public var id: String
    public var name: String
    public var input: JSONValue

    public init(id: String, name: String, input: JSONValue) {
        self.id = id
        self.name = name
        self.input = input
    }
}
