import JSON

/// What `completion/complete` completes: a prompt argument or a resource template variable.
public enum MCPCompletionReference: Sendable, Hashable {
    case prompt(name: String)
    case resource(uri: String)

    var json: JSONValue {
        switch self {
        case .prompt(let name): return ["type": "ref/prompt", "name": .string(name)]
        case .resource(let uri): return ["type": "ref/resource", "uri": .string(uri)]
        }
    }
}

/// The answer of `completion/complete`.
public struct MCPCompletion: Sendable, Hashable {
    public var values: [String]
    public var total: Int?
    public var hasMore: Bool?
    /// The result as received.
    public var json: JSONValue

    public init(json: JSONValue) throws(MCPClientError) {
        guard let completion = json["completion"], let values = completion["values"]?.arrayValue else {
            throw .protocolViolation("completion/complete returned a result without \"completion.values\"")
        }
        let strings = values.compactMap(\.stringValue)
        guard strings.count == values.count else {
            throw .protocolViolation("completion/complete returned non-string values")
        }
        self.values = strings
        self.total = completion["total"]?.intValue.map { Int($0) }
        self.hasMore = completion["hasMore"]?.boolValue
        self.json = json
    }
}
